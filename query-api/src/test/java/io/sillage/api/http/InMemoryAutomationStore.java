package io.sillage.api.http;

import io.sillage.api.automations.Automation;
import io.sillage.api.automations.AutomationStatus;
import io.sillage.api.automations.AutomationStore;
import io.sillage.api.db.DefinitionVersion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/** Automations in maps, one change at a time; a failing {@code beforeCommit} leaves them as they were, like a rollback. */
final class InMemoryAutomationStore implements AutomationStore {
    private final Map<String, Automation> automations = new LinkedHashMap<>();
    private final Map<String, List<DefinitionVersion>> versions = new LinkedHashMap<>();

    @Override
    public synchronized void create(Automation automation, Consumer<Automation> beforeCommit) {
        if (automations.containsKey(automation.id())) {
            throw new IllegalStateException("duplicate automation id " + automation.id());
        }
        beforeCommit.accept(automation);
        automations.put(automation.id(), automation);
        versions.computeIfAbsent(automation.id(), id -> new ArrayList<>())
                .add(new DefinitionVersion(automation.version(), automation.definition().deepCopy(), automation.updatedAt()));
    }

    @Override
    public synchronized Optional<Automation> update(String projectId, String automationId, Function<Automation, Optional<Automation>> change, Consumer<Automation> beforeCommit) {
        Optional<Automation> current = find(projectId, automationId);
        if (current.isEmpty()) {
            return Optional.empty();
        }
        Optional<Automation> changed = change.apply(current.get());
        if (changed.isEmpty()) {
            return Optional.empty();
        }
        Automation next = changed.get();
        beforeCommit.accept(next);
        automations.put(automationId, next);
        if (next.version() != current.get().version()) {
            versions.get(automationId).add(new DefinitionVersion(next.version(), next.definition().deepCopy(), next.updatedAt()));
        }
        return changed;
    }

    @Override
    public synchronized Optional<Automation> find(String projectId, String automationId) {
        return Optional.ofNullable(automations.get(automationId)).filter(automation -> automation.projectId().equals(projectId));
    }

    @Override
    public synchronized List<Automation> list(String projectId) {
        List<Automation> list = new ArrayList<>();
        for (Automation automation : automations.values()) {
            if (automation.projectId().equals(projectId) && automation.status() != AutomationStatus.DELETED) {
                list.add(0, automation); // insertion order is creation order: newest first
            }
        }
        list.sort(Comparator.comparing(Automation::createdAt).reversed());
        return list;
    }

    @Override
    public synchronized List<DefinitionVersion> versions(String projectId, String automationId) {
        return find(projectId, automationId).map(automation -> List.copyOf(versions.get(automationId))).orElse(List.of());
    }

    @Override
    public synchronized List<Automation.Key> keys() {
        return automations.values().stream().map(automation -> new Automation.Key(automation.projectId(), automation.id())).toList();
    }

    synchronized int size() {
        return automations.size();
    }
}
