package io.sillage.api.templates;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** A reusable Liquid partial of a project, included by name in its templates ({@code {% include 'footer' %}}). */
public record Snippet(String projectId, String name, String source, Instant createdAt, Instant updatedAt) {
    public Snippet {
        requireNonNull(projectId, "projectId is null");
        requireNonNull(name, "name is null");
        requireNonNull(source, "source is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(updatedAt, "updatedAt is null");
    }
}
