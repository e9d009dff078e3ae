package io.sillage.api.tracking;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.api.http.ProblemException;
import io.sillage.api.http.ProblemType;
import io.sillage.api.projects.WriteKeyOwner;
import io.sillage.lakehouse.event.Acceptance;
import io.sillage.lakehouse.event.EventType;
import io.sillage.lakehouse.event.EventValidationException;
import io.sillage.lakehouse.event.SegmentEvents;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Accepts Segment calls for a project: validates every event (a batch is all or nothing), completes them
 * (messageId, receivedAt, skew-corrected timestamp, batch context), and returns once the event bus has them.
 * Applies backpressure with a bound on events awaiting the bus's acknowledgement.
 *
 * <p>{@code context.sillage} is reserved: Sillage's own events carry facts there that the pipeline trusts (the
 * message a tracking event is about), so it is removed from every client event, batch context included, and
 * only {@link #acceptFeedback} sets it.
 */
public class TrackingService {
    public static final int MAX_EVENT_BYTES = 32 * 1024;
    public static final int MAX_BATCH_BYTES = 500 * 1024;
    /** Bound on a batch once the batch context is merged into each event, so one request cannot exhaust memory. */
    public static final int MAX_COMPLETED_BATCH_BYTES = 4 * 1024 * 1024;
    /** The reserved context object. */
    public static final String RESERVED_CONTEXT = "sillage";

    private final EventPublisher publisher;
    private final Clock clock;
    private final Semaphore inFlight;
    private final long acknowledgementTimeoutMillis;

    public TrackingService(EventPublisher publisher, Clock clock, int maxEventsInFlight, long acknowledgementTimeoutMillis) {
        this.publisher = requireNonNull(publisher, "publisher is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.inFlight = new Semaphore(maxEventsInFlight);
        this.acknowledgementTimeoutMillis = acknowledgementTimeoutMillis;
    }

    /** A single call on {@code /v1/track}, {@code /v1/identify}, ...: the body is the event. */
    public void acceptSingle(ObjectNode body, EventType type, WriteKeyOwner owner) {
        Instant receivedAt = clock.instant();
        EventType validated = validate(body, Optional.of(type), "", Optional.empty());
        Acceptance acceptance = new Acceptance(owner.projectId(), owner.source(), receivedAt, null, null);
        publish(List.of(complete(body, validated, acceptance, Optional.empty())));
    }

    /**
     * An event Sillage itself records about a message (an open, a click, an unsubscribe, a provider's delivery
     * report): validated and completed like a {@code /v1/track} call, then given {@code context.sillage.message}
     * (when {@code message} is not null).
     */
    public void acceptFeedback(ObjectNode event, String projectId, String source, ObjectNode message) {
        Instant receivedAt = clock.instant();
        EventType validated = validate(event, Optional.of(EventType.TRACK), "", Optional.empty());
        Acceptance acceptance = new Acceptance(projectId, source, receivedAt, null, null);
        EventPublisher.OutgoingEvent outgoing = complete(event, validated, acceptance, Optional.empty(), accepted -> {
            if (message != null) {
                JsonNode context = accepted.get("context");
                ObjectNode object = context instanceof ObjectNode existing ? existing : accepted.putObject("context");
                object.putObject(RESERVED_CONTEXT).set("message", message);
            }
        });
        publish(List.of(outgoing));
    }

    /** A {@code /v1/batch} call: every item is validated before any is published. */
    public int acceptBatch(ObjectNode body, WriteKeyOwner owner) {
        Instant receivedAt = clock.instant();
        JsonNode batch = body.get("batch");
        if (batch == null || !batch.isArray()) {
            throw new ProblemException(ProblemType.INVALID_REQUEST, "/batch must be an array of events", Map.of("field", "/batch"), Optional.empty());
        }
        Instant batchSentAt;
        try {
            batchSentAt = SegmentEvents.parseTime(body, "sentAt").orElse(null);
        }
        catch (EventValidationException e) {
            throw invalid(e, "", Optional.empty());
        }
        JsonNode batchContext = body.get("context");
        if (batchContext != null && !batchContext.isNull() && !batchContext.isObject()) {
            throw new ProblemException(ProblemType.INVALID_EVENT, "/context must be a JSON object", Map.of("field", "/context"), Optional.empty());
        }
        Acceptance acceptance = new Acceptance(owner.projectId(), owner.source(), receivedAt, batchSentAt, batchContext);
        List<EventType> types = new ArrayList<>(batch.size());
        for (int index = 0; index < batch.size(); index++) {
            JsonNode item = batch.get(index);
            checkEventSize(item, Optional.of(index));
            types.add(validate(item, Optional.empty(), "/batch/" + index, Optional.of(index)));
        }
        List<EventPublisher.OutgoingEvent> outgoing = new ArrayList<>(batch.size());
        long completedBytes = 0;
        for (int index = 0; index < batch.size(); index++) {
            EventPublisher.OutgoingEvent event = complete((ObjectNode) batch.get(index), types.get(index), acceptance, Optional.of(index));
            completedBytes += event.value().length;
            if (completedBytes > MAX_COMPLETED_BATCH_BYTES) {
                throw new ProblemException(ProblemType.PAYLOAD_TOO_LARGE, "the batch is over " + (MAX_COMPLETED_BATCH_BYTES / 1024 / 1024)
                        + " MB once its context is merged into each event: send a smaller batch or a smaller batch context",
                        Map.of("limitBytes", MAX_COMPLETED_BATCH_BYTES), Optional.empty());
            }
            outgoing.add(event);
        }
        publish(outgoing);
        return outgoing.size();
    }

    private static void checkEventSize(JsonNode item, Optional<Integer> index) {
        int size;
        try {
            size = SegmentEvents.mapper().writeValueAsBytes(item).length;
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialize a parsed JSON tree", e);
        }
        if (size > MAX_EVENT_BYTES) {
            Map<String, Object> extensions = new LinkedHashMap<>();
            index.ifPresent(value -> extensions.put("index", value));
            extensions.put("limitBytes", MAX_EVENT_BYTES);
            throw new ProblemException(ProblemType.PAYLOAD_TOO_LARGE,
                    "event" + index.map(value -> " at index " + value).orElse("") + " is " + size + " bytes, over the limit of 32 KB per event",
                    extensions, Optional.empty());
        }
    }

    private static EventType validate(JsonNode event, Optional<EventType> expected, String pointerPrefix, Optional<Integer> index) {
        try {
            return SegmentEvents.validate(event, expected);
        }
        catch (EventValidationException e) {
            throw invalid(e, pointerPrefix, index);
        }
    }

    private static ProblemException invalid(EventValidationException e, String pointerPrefix, Optional<Integer> index) {
        Map<String, Object> extensions = new LinkedHashMap<>();
        String field = pointerPrefix + e.problem().field();
        extensions.put("field", field);
        index.ifPresent(value -> extensions.put("index", value));
        String where = index.map(value -> "event at index " + value + ": ").orElse("");
        return new ProblemException(ProblemType.INVALID_EVENT, where + (field.isEmpty() ? "" : field + " ") + e.problem().detail(), extensions, Optional.empty());
    }

    private static EventPublisher.OutgoingEvent complete(ObjectNode event, EventType type, Acceptance acceptance, Optional<Integer> index) {
        return complete(event, type, acceptance, index, accepted -> {});
    }

    private static EventPublisher.OutgoingEvent complete(ObjectNode event, EventType type, Acceptance acceptance, Optional<Integer> index,
            Consumer<ObjectNode> reserved) {
        try {
            ObjectNode accepted = SegmentEvents.accept(event, type, acceptance);
            if (accepted.get("context") instanceof ObjectNode context) {
                context.remove(RESERVED_CONTEXT);
            }
            reserved.accept(accepted);
            String identity = SegmentEvents.text(accepted, "userId").or(() -> SegmentEvents.text(accepted, "anonymousId")).orElse("");
            byte[] value = SegmentEvents.mapper().writeValueAsBytes(accepted);
            // the limit holds for the event as stored: after the batch context is merged in (plus room for the server's fields)
            if (value.length > MAX_EVENT_BYTES + 1024) {
                Map<String, Object> extensions = new LinkedHashMap<>();
                index.ifPresent(i -> extensions.put("index", i));
                extensions.put("limitBytes", MAX_EVENT_BYTES);
                throw new ProblemException(ProblemType.PAYLOAD_TOO_LARGE, "event" + index.map(i -> " at index " + i).orElse("")
                        + " is over 32 KB once the batch context is merged into it", extensions, Optional.empty());
            }
            return new EventPublisher.OutgoingEvent(acceptance.projectId() + ':' + identity, value);
        }
        catch (EventValidationException e) {
            throw invalid(e, index.map(value -> "/batch/" + value).orElse(""), index);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialize a parsed JSON tree", e);
        }
    }

    private void publish(List<EventPublisher.OutgoingEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        if (!inFlight.tryAcquire(events.size())) {
            throw new ProblemException(ProblemType.TOO_MANY_REQUESTS,
                    "the event bus is behind: retry this request later (nothing of it was accepted)", Map.of(), Optional.of(1));
        }
        CompletableFuture<Void> acknowledged;
        try {
            acknowledged = publisher.publish(events);
        }
        catch (RuntimeException e) {
            inFlight.release(events.size());
            throw unavailable();
        }
        // permits return when the bus answers (or gives up), not when this request stops waiting
        acknowledged.whenComplete((ignored, error) -> inFlight.release(events.size()));
        try {
            acknowledged.get(acknowledgementTimeoutMillis, TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable();
        }
        catch (ExecutionException | TimeoutException e) {
            throw unavailable();
        }
    }

    private static ProblemException unavailable() {
        return new ProblemException(ProblemType.UNAVAILABLE,
                "events were not confirmed by Kafka in time: retry the request with the same messageIds (duplicates are removed)", Map.of(), Optional.of(5));
    }
}
