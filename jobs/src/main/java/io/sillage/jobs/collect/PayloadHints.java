package io.sillage.jobs.collect;

import com.fasterxml.jackson.databind.JsonNode;
import io.sillage.lakehouse.event.SegmentEvents;

/** Best-effort extraction of a top-level string field from a payload that failed validation. */
final class PayloadHints {
    private PayloadHints() {}

    static String find(String payload, String field) {
        try {
            JsonNode node = SegmentEvents.mapper().readTree(payload);
            JsonNode value = node == null ? null : node.get(field);
            return value != null && value.isTextual() ? value.textValue() : null;
        }
        catch (Exception notJson) {
            return null;
        }
    }
}
