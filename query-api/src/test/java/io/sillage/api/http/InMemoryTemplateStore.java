package io.sillage.api.http;

import io.sillage.api.db.DefinitionVersion;
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
import java.util.function.UnaryOperator;

/** Templates in maps, one change at a time; a change that throws leaves them as they were, like a rollback. */
final class InMemoryTemplateStore implements TemplateStore {
    private final Map<String, MessageTemplate> templates = new LinkedHashMap<>();
    private final Map<String, List<DefinitionVersion>> versions = new LinkedHashMap<>();
    private final Set<String> deleted = new HashSet<>();

    @Override
    public synchronized void create(MessageTemplate template) {
        if (templates.containsKey(template.id())) {
            throw new IllegalStateException("duplicate template id " + template.id());
        }
        templates.put(template.id(), template);
        versions.computeIfAbsent(template.id(), id -> new ArrayList<>())
                .add(new DefinitionVersion(template.version(), template.definition().deepCopy(), template.updatedAt()));
    }

    @Override
    public synchronized Optional<MessageTemplate> update(String projectId, String templateId, UnaryOperator<MessageTemplate> change) {
        Optional<MessageTemplate> current = find(projectId, templateId);
        if (current.isEmpty()) {
            return Optional.empty();
        }
        MessageTemplate next = change.apply(current.get());
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
    public synchronized boolean delete(String projectId, String templateId, Instant at) {
        return find(projectId, templateId).isPresent() && deleted.add(templateId);
    }

    synchronized int size() {
        return templates.size();
    }
}
