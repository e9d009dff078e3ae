package io.sillage.api.tracking;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Hands accepted events to the event bus; the future completes once the bus has durably stored all of them. */
public interface EventPublisher extends AutoCloseable {
    CompletableFuture<Void> publish(List<OutgoingEvent> events);

    /** Key (ordering within a partition) and the wire JSON of one event. */
    record OutgoingEvent(String key, byte[] value) {}

    @Override
    void close();
}
