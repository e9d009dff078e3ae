package io.sillage.api.http;

import io.sillage.api.tracking.EventPublisher;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * An event bus that records what it is asked to publish and acknowledges it, fails it, or holds the
 * acknowledgement until {@link #releaseHeldAcknowledgements()} (never, if that is not called).
 */
final class RecordingEventPublisher implements EventPublisher {
    private enum Behaviour { ACKNOWLEDGE, FAIL, HOLD }

    private final List<List<OutgoingEvent>> publishCalls = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<Void>> heldAcknowledgements = new CopyOnWriteArrayList<>();
    private final Semaphore publishCallSignals = new Semaphore(0);
    private volatile Behaviour behaviour = Behaviour.ACKNOWLEDGE;

    void acknowledgeEverything() {
        behaviour = Behaviour.ACKNOWLEDGE;
    }

    void failEverything() {
        behaviour = Behaviour.FAIL;
    }

    void holdAcknowledgements() {
        behaviour = Behaviour.HOLD;
    }

    void releaseHeldAcknowledgements() {
        heldAcknowledgements.forEach(acknowledgement -> acknowledgement.complete(null));
    }

    /** Waits until one more publish call has happened; false if none happened in time. */
    boolean awaitPublishCall(Duration timeout) throws InterruptedException {
        return publishCallSignals.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    List<List<OutgoingEvent>> publishCalls() {
        return List.copyOf(publishCalls);
    }

    List<OutgoingEvent> publishedEvents() {
        return publishCalls.stream().flatMap(List::stream).toList();
    }

    @Override
    public CompletableFuture<Void> publish(List<OutgoingEvent> events) {
        publishCalls.add(List.copyOf(events));
        publishCallSignals.release();
        return switch (behaviour) {
            case ACKNOWLEDGE -> CompletableFuture.completedFuture(null);
            case FAIL -> CompletableFuture.failedFuture(new IllegalStateException("the event bus is down"));
            case HOLD -> {
                CompletableFuture<Void> acknowledgement = new CompletableFuture<>();
                heldAcknowledgements.add(acknowledgement);
                yield acknowledgement;
            }
        };
    }

    @Override
    public void close() {
        releaseHeldAcknowledgements();
    }
}
