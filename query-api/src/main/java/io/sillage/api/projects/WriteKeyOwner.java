package io.sillage.api.projects;

import static java.util.Objects.requireNonNull;

/** The project (and optional source) a write key belongs to. */
public record WriteKeyOwner(String projectId, String source) {
    public WriteKeyOwner {
        requireNonNull(projectId, "projectId is null");
    }
}
