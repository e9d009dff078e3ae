package io.sillage.lakehouse.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * What the tracking API knows about an event besides its body.
 *
 * @param projectId project of the write key
 * @param source source of the write key (ios, android, web, server) or null
 * @param receivedAt when the server received the request
 * @param batchSentAt {@code sentAt} of the enclosing batch, or null
 * @param batchContext {@code context} of the enclosing batch, merged under each event's own, or null
 */
public record Acceptance(String projectId, String source, Instant receivedAt, Instant batchSentAt, JsonNode batchContext) {
    public Acceptance {
        requireNonNull(projectId, "projectId is null");
        requireNonNull(receivedAt, "receivedAt is null");
    }
}
