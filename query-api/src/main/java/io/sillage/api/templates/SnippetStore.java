package io.sillage.api.templates;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Snippets in the operational database, by project and name; every lookup is scoped by project. */
public interface SnippetStore {
    /** Stores the project's snippet {@code name}, replacing its source if it exists (its creation time stays). */
    Stored put(String projectId, String name, String source, Instant at);

    Optional<Snippet> find(String projectId, String name);

    /** The project's snippets, by name. */
    List<Snippet> list(String projectId);

    /** False when the project has no such snippet. */
    boolean delete(String projectId, String name);

    /** The snippet as stored, and whether the put created it. */
    record Stored(Snippet snippet, boolean created) {}
}
