package io.sillage.jobs.collect;

import java.nio.charset.StandardCharsets;

/** Raw records as the tracking API writes them to the raw topic. */
final class TestEvents {
    private TestEvents() {}

    static String track(String projectId, String messageId, String userId, String timestamp) {
        return """
                {"type":"track","event":"Product Added","projectId":"%s","messageId":"%s","userId":"%s",\
                "timestamp":"%s","receivedAt":"2026-11-23T10:00:00Z","properties":{"cart_id":"c-1","price":12.5}}"""
                .formatted(projectId, messageId, userId, timestamp);
    }

    static RawRecord raw(long offset, String payload) {
        return new RawRecord("cdp.events.raw", 0, offset, payload.getBytes(StandardCharsets.UTF_8));
    }
}
