package io.sillage.api.db;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.lakehouse.event.SegmentEvents;
import java.time.Instant;
import java.util.List;

/** One stored version of a versioned definition (an automation, a template). */
public record DefinitionVersion(int version, ObjectNode definition, Instant createdAt) {
    public DefinitionVersion {
        requireNonNull(definition, "definition is null");
        requireNonNull(createdAt, "createdAt is null");
    }

    /** {@code {"versions":[{"version","definition","createdAt"}, ...]}}, as the API answers. */
    public static ObjectNode json(List<DefinitionVersion> versions) {
        ObjectNode body = SegmentEvents.mapper().createObjectNode();
        ArrayNode list = body.putArray("versions");
        for (DefinitionVersion version : versions) {
            ObjectNode item = list.addObject();
            item.put("version", version.version());
            item.set("definition", version.definition());
            item.put("createdAt", version.createdAt().toString());
        }
        return body;
    }
}
