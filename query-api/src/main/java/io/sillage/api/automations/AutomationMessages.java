package io.sillage.api.automations;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.lakehouse.event.SegmentEvents;
import java.nio.charset.StandardCharsets;

/**
 * The records of the automations topic, read by the automation pipeline. Key {@code projectId/automationId};
 * value {@code {"projectId","automationId","version","status","definition","updatedAt"}}, the latest state of
 * the automation (status {@code deleted} tells the pipeline to stop it). The topic is compacted: the last
 * record of a key is the automation's state.
 */
public final class AutomationMessages {
    private AutomationMessages() {}

    public static String key(Automation automation) {
        return automation.projectId() + "/" + automation.id();
    }

    public static byte[] value(Automation automation) {
        ObjectNode value = SegmentEvents.mapper().createObjectNode();
        value.put("projectId", automation.projectId());
        value.put("automationId", automation.id());
        value.put("version", automation.version());
        value.put("status", automation.status().wire());
        value.set("definition", automation.definition());
        value.put("updatedAt", automation.updatedAt().toString());
        try {
            return SegmentEvents.mapper().writeValueAsString(value).getBytes(StandardCharsets.UTF_8);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot encode an automation record", e);
        }
    }
}
