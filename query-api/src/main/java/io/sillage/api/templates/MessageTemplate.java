package io.sillage.api.templates;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * One message template of a project: its latest definition (as the marketer sent it, once validated) and the
 * definition's version (1, then + 1 on every update). {@code name} and {@code channel} are the definition's.
 */
public record MessageTemplate(
        String id,
        String projectId,
        String name,
        String channel,
        int version,
        ObjectNode definition,
        Instant createdAt,
        Instant updatedAt) {

    public MessageTemplate {
        requireNonNull(id, "id is null");
        requireNonNull(projectId, "projectId is null");
        requireNonNull(name, "name is null");
        requireNonNull(channel, "channel is null");
        requireNonNull(definition, "definition is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(updatedAt, "updatedAt is null");
    }

    /** The next version with another definition. */
    public MessageTemplate withDefinition(String newName, ObjectNode newDefinition, Instant at) {
        return new MessageTemplate(id, projectId, newName, channel, version + 1, newDefinition, createdAt, at);
    }
}
