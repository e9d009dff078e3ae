package io.sillage.api.templates;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** Snippets in the operational database, by project and name; every lookup is scoped by project. */
public interface SnippetStore {
    /**
     * Stores the project's snippet {@code name}, replacing its source if it exists (its creation time stays), and
     * runs {@code beforeCommit} with it before the change commits (a throw rolls it back).
     */
    Stored put(String projectId, String name, String source, Instant at, Consumer<Snippet> beforeCommit);

    Optional<Snippet> find(String projectId, String name);

    /** The project's snippets, by name. */
    List<Snippet> list(String projectId);

    /** False when the project has no such snippet; runs {@code beforeCommit} before the deletion commits. */
    boolean delete(String projectId, String name, Runnable beforeCommit);

    /** Every snippet of every project: what is published again at start. */
    List<Snippet> all();

    /** The snippet as stored, and whether the put created it. */
    record Stored(Snippet snippet, boolean created) {}
}
