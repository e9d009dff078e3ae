package io.sillage.api.http;

import io.sillage.api.templates.Snippet;
import io.sillage.api.templates.SnippetStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/** Snippets in a map keyed by project and name. */
final class InMemorySnippetStore implements SnippetStore {
    private final Map<String, Snippet> snippets = new TreeMap<>();

    @Override
    public synchronized Stored put(String projectId, String name, String source, Instant at, Consumer<Snippet> beforeCommit) {
        Snippet current = snippets.get(projectId + "/" + name);
        Snippet stored = new Snippet(projectId, name, source, current == null ? at : current.createdAt(), at);
        beforeCommit.accept(stored);
        snippets.put(projectId + "/" + name, stored);
        return new Stored(stored, current == null);
    }

    @Override
    public synchronized Optional<Snippet> find(String projectId, String name) {
        return Optional.ofNullable(snippets.get(projectId + "/" + name));
    }

    @Override
    public synchronized List<Snippet> list(String projectId) {
        return snippets.values().stream().filter(snippet -> snippet.projectId().equals(projectId)).toList();
    }

    @Override
    public synchronized boolean delete(String projectId, String name, Runnable beforeCommit) {
        if (!snippets.containsKey(projectId + "/" + name)) {
            return false;
        }
        beforeCommit.run();
        snippets.remove(projectId + "/" + name);
        return true;
    }

    @Override
    public synchronized List<Snippet> all() {
        return List.copyOf(snippets.values());
    }
}
