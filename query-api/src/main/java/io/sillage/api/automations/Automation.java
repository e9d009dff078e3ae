package io.sillage.api.automations;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * One automation of a project: its latest definition (as the marketer sent it, once validated), the definition's
 * version (1, then +1 on every update) and its status. {@code name} is the definition's {@code name}.
 */
public record Automation(
        String id,
        String projectId,
        String name,
        AutomationStatus status,
        int version,
        ObjectNode definition,
        Instant createdAt,
        Instant updatedAt) {

    public Automation {
        requireNonNull(id, "id is null");
        requireNonNull(projectId, "projectId is null");
        requireNonNull(name, "name is null");
        requireNonNull(status, "status is null");
        requireNonNull(definition, "definition is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(updatedAt, "updatedAt is null");
    }

    public Automation withStatus(AutomationStatus newStatus, Instant at) {
        return new Automation(id, projectId, name, newStatus, version, definition, createdAt, at);
    }

    /** The next version with another definition; the status does not change. */
    public Automation withDefinition(String newName, ObjectNode newDefinition, Instant at) {
        return new Automation(id, projectId, newName, status, version + 1, newDefinition, createdAt, at);
    }

    /** Identifies an automation across projects. */
    public record Key(String projectId, String automationId) {}
}
