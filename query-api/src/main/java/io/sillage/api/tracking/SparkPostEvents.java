package io.sillage.api.tracking;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.api.http.ProblemException;
import io.sillage.api.http.ProblemType;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.messaging.tracking.TrackedMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a SparkPost event webhook batch ({@code [{"msys": {"message_event": {...}}}]}) into {@link MessageFeedback.Fact}s:
 * {@code delivery} is {@code Email Delivered}, {@code bounce} is {@code Email Bounced} (with {@code bounce_class} and
 * {@code bounce_type}: {@code hard} for classes 10, 30 and 90, else {@code soft}), {@code spam_complaint} is
 * {@code Email Marked as Spam}. Other types and other event categories (opens and clicks SparkPost tracked itself,
 * relay events, the webhook's test ping) are ignored. The message comes from {@code rcpt_meta} (or
 * {@code rcpt_metadata}): the metadata the SparkPost connector sent. The whole batch is checked before anything is
 * recorded; a problem names the event's index and field.
 */
public final class SparkPostEvents {
    public static final String SOURCE = "sparkpost";
    private static final Set<String> HARD_BOUNCE_CLASSES = Set.of("10", "30", "90");

    private SparkPostEvents() {}

    /** The facts of a batch, for the authenticated project; events that carry none are left out. */
    public static List<MessageFeedback.Fact> read(JsonNode batch, String projectId) {
        if (batch == null || !batch.isArray()) {
            throw invalid("", "the body must be a JSON array of SparkPost events ([{\"msys\": {...}}])");
        }
        List<MessageFeedback.Fact> facts = new ArrayList<>();
        for (int index = 0; index < batch.size(); index++) {
            read(batch.get(index), "/" + index, projectId).ifPresent(facts::add);
        }
        return facts;
    }

    private static Optional<MessageFeedback.Fact> read(JsonNode item, String pointer, String projectId) {
        if (!item.isObject() || !item.path("msys").isObject()) {
            throw invalid(pointer + "/msys", "each event must be an object {\"msys\": {...}}");
        }
        JsonNode event = item.get("msys").get("message_event");
        if (event == null) {
            return Optional.empty();
        }
        pointer += "/msys/message_event";
        if (!event.isObject()) {
            throw invalid(pointer, "must be an object");
        }
        String type = text(event, "type");
        if (type == null) {
            throw invalid(pointer + "/type", "missing");
        }
        String name;
        String status;
        ObjectNode properties = SegmentEvents.mapper().createObjectNode();
        properties.put("provider", SOURCE);
        switch (type) {
            case "delivery" -> {
                name = MessageFeedback.EMAIL_DELIVERED;
                status = "delivered";
            }
            case "bounce" -> {
                String bounceClass = text(event, "bounce_class");
                if (bounceClass == null || !bounceClass.matches("[0-9]{1,3}")) {
                    throw invalid(pointer + "/bounce_class", "a bounce needs its bounce_class (a number such as \"10\")");
                }
                name = MessageFeedback.EMAIL_BOUNCED;
                status = "bounced";
                properties.put("bounce_class", bounceClass);
                properties.put("bounce_type", HARD_BOUNCE_CLASSES.contains(bounceClass) ? "hard" : "soft");
            }
            case "spam_complaint" -> {
                name = MessageFeedback.EMAIL_MARKED_AS_SPAM;
                status = "complained";
            }
            default -> {
                return Optional.empty();
            }
        }
        String metaField = event.has("rcpt_meta") ? "rcpt_meta" : "rcpt_metadata";
        JsonNode meta = event.get(metaField);
        if (meta != null && !meta.isNull() && !meta.isObject()) {
            throw invalid(pointer + "/" + metaField, "must be an object");
        }
        TrackedMessage message = null;
        if (meta != null && meta.isObject()) {
            String metaProject = text(meta, "project_id");
            if (metaProject != null && !metaProject.equals(projectId)) {
                throw invalid(pointer + "/" + metaField + "/project_id", "the event is about a message of another project than the write key's");
            }
            String messageId = text(meta, "message_id");
            String profileId = text(meta, "profile_id");
            String sourceType = text(meta, "source_type");
            String sourceId = text(meta, "source_id");
            if (messageId != null && profileId != null && sourceType != null && sourceId != null) {
                String channel = text(meta, "channel");
                message = new TrackedMessage(projectId, messageId, profileId, channel == null ? "email" : channel, sourceType, sourceId);
            }
        }
        String recipient = text(event, "rcpt_to");
        if (message == null && recipient == null) {
            throw invalid(pointer + "/rcpt_to", "the event names neither a message of Sillage (" + metaField + ") nor a recipient (rcpt_to)");
        }
        String eventId = text(event, "event_id");
        return Optional.of(new MessageFeedback.Fact(projectId, SOURCE, name, status, message, properties,
                eventId == null ? null : "sparkpost-" + eventId, timestamp(event, pointer), recipient));
    }

    private static Instant timestamp(JsonNode event, String pointer) {
        String text = text(event, "timestamp");
        if (text == null) {
            return null;
        }
        try {
            return Instant.ofEpochSecond(Long.parseLong(text));
        }
        catch (NumberFormatException | java.time.DateTimeException e) {
            throw invalid(pointer + "/timestamp", "must be Unix seconds, got '" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'");
        }
    }

    /** A string or a number as text; null when absent or empty. */
    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !(value.isTextual() || value.isNumber())) {
            return null;
        }
        String text = value.asText().strip();
        return text.isEmpty() ? null : text;
    }

    private static ProblemException invalid(String field, String detail) {
        return new ProblemException(ProblemType.INVALID_REQUEST, (field.isEmpty() ? "" : field + ": ") + detail, Map.of("field", field), Optional.empty());
    }
}
