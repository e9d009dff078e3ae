package io.sillage.jobs.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import io.sillage.lakehouse.event.CollectedEvent;
import io.sillage.lakehouse.event.SegmentEvents;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * The pipeline's side path from events to {@code cdp.messages}: an event carrying the reserved
 * {@code context.sillage.message} (set by the API's tracking routes and provider webhooks; the public tracking API
 * strips it from clients' events) becomes a status row of its message: {@code opened}, {@code clicked},
 * {@code unsubscribed}, {@code delivered}, {@code bounced} or {@code complained}, at the event's time.
 *
 * <p>The activation job writes the send statuses of the same table; Iceberg takes appends from both jobs. A
 * feedback row has no idempotency key (the tracking token does not carry it): its {@code idempotency_key} is empty,
 * and {@code message_id} joins it to the message's other rows. A malformed context is skipped, never a failure.
 */
public class FeedbackMessages implements FlatMapFunction<CollectedEvent, Message> {
    public static final Set<String> STATUSES = Set.of("opened", "clicked", "unsubscribed", "delivered", "bounced", "complained");

    @Override
    public void flatMap(CollectedEvent event, Collector<Message> out) {
        of(event).ifPresent(out::collect);
    }

    /** The row an event makes, if it carries a well-formed {@code context.sillage.message}. */
    public static Optional<Message> of(CollectedEvent event) {
        if (event.context() == null || !event.context().contains("\"sillage\"")) {
            return Optional.empty(); // nearly every event: no parse
        }
        JsonNode context = SegmentEvents.readStoredJson(event.context());
        JsonNode feedback = context == null ? null : context.path("sillage").path("message");
        if (feedback == null || !feedback.isObject()) {
            return Optional.empty();
        }
        Message message = new Message();
        message.projectId = event.projectId();
        message.messageId = text(feedback, "messageId");
        message.idempotencyKey = "";
        message.profileId = text(feedback, "profileId");
        message.channel = text(feedback, "channel");
        message.sourceType = text(feedback, "sourceType");
        message.sourceId = text(feedback, "sourceId");
        message.status = text(feedback, "status");
        if (message.messageId == null || message.profileId == null || message.channel == null || message.sourceType == null
                || message.sourceId == null || !STATUSES.contains(message.status)) {
            return Optional.empty();
        }
        if ("bounced".equals(message.status)) {
            JsonNode properties = SegmentEvents.readStoredJson(event.properties());
            String type = properties == null ? null : text(properties, "bounce_type");
            String bounceClass = properties == null ? null : text(properties, "bounce_class");
            message.reason = type == null ? null : type + (bounceClass == null ? "" : " (bounce class " + bounceClass + ")");
        }
        message.occurredAtMillis = Math.floorDiv(event.timestampMicros(), 1000);
        return Optional.of(message);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.textValue().isBlank() ? value.textValue() : null;
    }
}
