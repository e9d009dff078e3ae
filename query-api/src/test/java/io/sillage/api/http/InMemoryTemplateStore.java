package io.sillage.api.http;

import io.sillage.api.db.DefinitionVersion;
import io.sillage.api.templates.DuplicateTemplateNameException;
import io.sillage.api.templates.MessageTemplate;
import io.sillage.api.templates.TemplateStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** Templates in maps, one change at a time; a change that throws leaves them as they were, like a rollback. */
final class InMemoryTemplateStore implements TemplateStore {
    private final Map<String, MessageTemplate> templates = new LinkedHashMap<>();
    private final Map<String, List<DefinitionVersion>> versions = new LinkedHashMap<>();
    private final Set<String> deleted = new HashSet<>();

    @Override
    public synchronized void create(MessageTemplate template, Consumer<MessageTemplate> beforeCommit) {
        if (templates.containsKey(template.id())) {
            throw new IllegalStateException("duplicate template id " + template.id());
        }
        checkName(template);
        beforeCommit.accept(template);
        templates.put(template.id(), template);
        versions.computeIfAbsent(template.id(), id -> new ArrayList<>())
                .add(new DefinitionVersion(template.version(), template.definition().deepCopy(), template.updatedAt()));
    }

    @Override
    public synchronized Optional<MessageTemplate> update(String projectId, String templateId, UnaryOperator<MessageTemplate> change,
            Consumer<MessageTemplate> beforeCommit) {
        Optional<MessageTemplate> current = find(projectId, templateId);
        if (current.isEmpty()) {
            return Optional.empty();
        }
        MessageTemplate next = change.apply(current.get());
        checkName(next);
        beforeCommit.accept(next);
        templates.put(templateId, next);
        versions.get(templateId).add(new DefinitionVersion(next.version(), next.definition().deepCopy(), next.updatedAt()));
        return Optional.of(next);
    }

    @Override
    public synchronized Optional<MessageTemplate> find(String projectId, String templateId) {
        return Optional.ofNullable(templates.get(templateId))
                .filter(template -> template.projectId().equals(projectId) && !deleted.contains(templateId));
    }

    @Override
    public synchronized List<MessageTemplate> list(String projectId) {
        List<MessageTemplate> list = new ArrayList<>();
        for (MessageTemplate template : templates.values()) {
            if (template.projectId().equals(projectId) && !deleted.contains(template.id())) {
                list.add(0, template); // insertion order is creation order: newest first
            }
        }
        list.sort(Comparator.comparing(MessageTemplate::createdAt).reversed());
        return list;
    }

    @Override
    public synchronized List<DefinitionVersion> versions(String projectId, String templateId) {
        return find(projectId, templateId).map(template -> List.copyOf(versions.get(templateId))).orElse(List.of());
    }

    @Override
    public synchronized boolean delete(String projectId, String templateId, Instant at, Runnable beforeCommit) {
        if (find(projectId, templateId).isEmpty()) {
            return false;
        }
        beforeCommit.run();
        return deleted.add(templateId);
    }

    @Override
    public synchronized List<MessageTemplate> all() {
        return templates.values().stream().filter(template -> !deleted.contains(template.id())).toList();
    }

    /** Like the unique index on live names. */
    private void checkName(MessageTemplate template) {
        for (MessageTemplate other : templates.values()) {
            if (!other.id().equals(template.id()) && other.projectId().equals(template.projectId()) && other.name().equals(template.name())
                    && !deleted.contains(other.id())) {
                throw new DuplicateTemplateNameException(template.name());
            }
        }
    }

    synchronized int size() {
        return templates.size();
    }
}
