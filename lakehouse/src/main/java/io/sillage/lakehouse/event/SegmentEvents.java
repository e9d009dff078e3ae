package io.sillage.lakehouse.event;

import static io.sillage.lakehouse.event.CollectedEvent.ABSENT_TIME;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

/**
 * Rules of the Segment HTTP Tracking API as Sillage applies them, shared by the tracking API (which
 * refuses bad events with a 400) and the collect job (which sends bad records to the dead letters).
 *
 * <p>The wire format on the raw Kafka topic is the Segment event JSON, completed by the API with
 * {@code projectId}, {@code source}, {@code messageId}, {@code receivedAt}, the skew-corrected
 * {@code timestamp} and the client's {@code originalTimestamp}.
 */
public final class SegmentEvents {
    public static final int MAX_MESSAGE_ID_LENGTH = 255;
    private static final long MICROS_PER_SECOND = 1_000_000L;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SegmentEvents() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** The JSON tree of a stored JSON text ({@code properties}, {@code traits}, {@code context}), or null when absent or unreadable. */
    public static JsonNode readStoredJson(String json) {
        if (json == null) {
            return null;
        }
        try {
            return MAPPER.readTree(json);
        }
        catch (IOException e) {
            return null;
        }
    }

    /**
     * Checks the fields every event must get right, whatever its producer.
     *
     * @param event the event object
     * @param expectedType the type implied by the endpoint ({@code /v1/track}), or empty for batch items
     */
    public static EventType validate(JsonNode event, Optional<EventType> expectedType) throws EventValidationException {
        if (event == null || !event.isObject()) {
            throw new EventValidationException("", "an event must be a JSON object");
        }
        JsonNode typeNode = event.get("type");
        EventType type;
        if (typeNode == null || typeNode.isNull()) {
            type = expectedType.orElseThrow(() -> new EventValidationException("/type",
                    "missing: each batch item needs a type (track, identify, page, screen, group or alias)"));
        }
        else {
            type = EventType.fromWireName(typeNode.isTextual() ? typeNode.textValue() : null)
                    .orElseThrow(() -> new EventValidationException("/type",
                            "unknown type " + typeNode + ": expected track, identify, page, screen, group or alias"));
            if (expectedType.isPresent() && expectedType.get() != type) {
                throw new EventValidationException("/type", "type '" + type.wireName()
                        + "' sent to the /v1/" + expectedType.get().wireName() + " endpoint");
            }
        }
        if (identifier(event, "userId").isEmpty() && identifier(event, "anonymousId").isEmpty()) {
            throw new EventValidationException("/userId", "userId or anonymousId is required (a non-empty string)");
        }
        for (String field : new String[] {"userId", "anonymousId"}) {
            JsonNode node = event.get(field);
            if (node != null && !node.isNull() && !node.isTextual() && !node.isIntegralNumber()) {
                throw new EventValidationException("/" + field, "must be a string, got " + node.getNodeType());
            }
        }
        Optional<String> required = type.requiredField();
        if (required.isPresent() && text(event, required.get()).isEmpty()) {
            throw new EventValidationException("/" + required.get(), "required for " + type.wireName() + " calls (a non-empty string)");
        }
        for (String field : new String[] {"properties", "traits", "context", "integrations"}) {
            JsonNode node = event.get(field);
            if (node != null && !node.isNull() && !node.isObject()) {
                throw new EventValidationException("/" + field, "must be a JSON object, got " + node.getNodeType());
            }
        }
        for (String field : new String[] {"timestamp", "originalTimestamp", "sentAt", "receivedAt"}) {
            parseTime(event, field);
        }
        JsonNode messageId = event.get("messageId");
        if (messageId != null && !messageId.isNull()) {
            if (!messageId.isTextual() || messageId.textValue().isBlank()) {
                throw new EventValidationException("/messageId", "must be a non-empty string");
            }
            if (messageId.textValue().length() > MAX_MESSAGE_ID_LENGTH) {
                throw new EventValidationException("/messageId", "longer than " + MAX_MESSAGE_ID_LENGTH + " characters");
            }
        }
        return type;
    }

    /**
     * Completes a validated event as the tracking API accepts it: sets the type, merges the batch context
     * under the event's own, generates a messageId when absent, sets {@code receivedAt} and corrects
     * {@code timestamp} for client clock skew: {@code timestamp = receivedAt - (sentAt - originalTimestamp)}.
     */
    public static ObjectNode accept(ObjectNode event, EventType type, Acceptance acceptance) throws EventValidationException {
        event.put("type", type.wireName());
        for (String field : new String[] {"userId", "anonymousId"}) {
            identifier(event, field).ifPresentOrElse(value -> event.put(field, value), () -> event.remove(field));
        }
        if (acceptance.batchContext() != null && acceptance.batchContext().isObject()) {
            ObjectNode merged = acceptance.batchContext().deepCopy();
            JsonNode own = event.get("context");
            if (own != null && own.isObject()) {
                merged.setAll((ObjectNode) own);
            }
            event.set("context", merged);
        }
        if (text(event, "messageId").isEmpty()) {
            event.put("messageId", UUID.randomUUID().toString());
        }
        Instant receivedAt = acceptance.receivedAt();
        Optional<Instant> original = parseTime(event, "timestamp");
        if (original.isEmpty()) {
            original = parseTime(event, "originalTimestamp");
        }
        Optional<Instant> sentAt = parseTime(event, "sentAt").or(() -> Optional.ofNullable(acceptance.batchSentAt()));
        Instant timestamp = correctedTimestamp(original, sentAt, receivedAt);
        if (!storable(timestamp)) {
            throw new EventValidationException("/timestamp", "corrected for clock skew (receivedAt - (sentAt - timestamp)), it is too far "
                    + "in the past or future to be stored: check timestamp and sentAt");
        }
        original.ifPresent(value -> event.put("originalTimestamp", format(value)));
        sentAt.ifPresent(value -> event.put("sentAt", format(value)));
        event.put("timestamp", format(timestamp));
        event.put("receivedAt", format(receivedAt));
        event.put("projectId", acceptance.projectId());
        if (acceptance.source() != null) {
            event.put("source", acceptance.source());
        }
        else {
            event.remove("source");
        }
        event.remove("writeKey");
        return event;
    }

    /**
     * Event time corrected for client clock skew, as Segment does: the client's clock may be wrong, but
     * the delay between the event and the send is measured on that same clock, so it is applied to the
     * server's receive time. Without {@code sentAt} the client's timestamp is trusted; without any client
     * time, the receive time is used.
     */
    public static Instant correctedTimestamp(Optional<Instant> original, Optional<Instant> sentAt, Instant receivedAt) {
        if (original.isEmpty()) {
            return receivedAt;
        }
        if (sentAt.isEmpty()) {
            return original.get();
        }
        // not ChronoUnit.MICROS.between: it counts nanoseconds first, which overflows past 292 years
        Duration skew = Duration.between(original.get(), sentAt.get()).truncatedTo(ChronoUnit.MICROS);
        return receivedAt.minus(skew);
    }

    /** Letters, digits, '_' and '-', 1 to 64 of them (checked on every event: a loop rather than a regex). */
    static boolean isProjectId(String value) {
        int length = value.length();
        if (length == 0 || length > 64) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** Reads one record of the raw topic; every way it can be wrong becomes an {@link EventValidationException}. */
    public static CollectedEvent fromWire(byte[] payload) throws EventValidationException {
        if (payload == null || payload.length == 0) {
            throw new EventValidationException("", "empty record");
        }
        JsonNode event;
        try {
            event = MAPPER.readTree(payload);
        }
        catch (IOException e) {
            throw new EventValidationException("", "not valid JSON: " + firstLine(e.getMessage()));
        }
        EventType type = validate(event, Optional.empty());
        String projectId = text(event, "projectId").orElseThrow(() -> new EventValidationException("/projectId", "missing: records on the raw topic must carry the project"));
        if (!isProjectId(projectId)) {
            // it becomes a partition directory: an arbitrary value could make every write fail
            throw new EventValidationException("/projectId", "'" + abbreviate(projectId) + "' is not a project id (letters, digits, '_' and '-', at most 64)");
        }
        String messageId = text(event, "messageId").orElseThrow(() -> new EventValidationException("/messageId", "missing: records on the raw topic must carry a messageId"));
        Instant receivedAt = parseTime(event, "receivedAt").orElseThrow(() -> new EventValidationException("/receivedAt", "missing: records on the raw topic must carry receivedAt"));
        Instant timestamp = parseTime(event, "timestamp").orElse(receivedAt);
        return new CollectedEvent(
                projectId,
                text(event, "source").orElse(null),
                messageId,
                type.wireName(),
                text(event, "event").orElse(null),
                text(event, "name").orElse(null),
                identifier(event, "anonymousId").orElse(null),
                identifier(event, "userId").orElse(null),
                text(event, "groupId").orElse(null),
                text(event, "previousId").orElse(null),
                micros(timestamp),
                parseTime(event, "originalTimestamp").map(SegmentEvents::micros).orElse(ABSENT_TIME),
                parseTime(event, "sentAt").map(SegmentEvents::micros).orElse(ABSENT_TIME),
                micros(receivedAt),
                json(event.get("properties")),
                json(event.get("traits")),
                json(event.get("context")));
    }

    public static Optional<Instant> parseTime(JsonNode event, String field) throws EventValidationException {
        JsonNode node = event.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw new EventValidationException("/" + field, "must be an ISO-8601 date-time string, got " + node.getNodeType());
        }
        String value = node.textValue();
        Instant time = parseInstant(value).orElseThrow(() -> new EventValidationException("/" + field,
                "'" + abbreviate(value) + "' is not an ISO-8601 date-time (e.g. 2026-01-31T12:00:00.000Z)"));
        if (!storable(time)) {
            throw new EventValidationException("/" + field, "'" + abbreviate(value) + "' is too far in the past or future to be stored");
        }
        return Optional.of(time);
    }

    /**
     * Any ISO-8601 date-time with an offset, or without one (then UTC); the common {@code ...Z} shape through
     * {@link #parseUtcFast}, the others through the JDK's parsers.
     */
    public static Optional<Instant> parseInstant(String value) {
        Instant fast = parseUtcFast(value);
        return fast != null ? Optional.of(fast) : parseIso(value);
    }

    private static Optional<Instant> parseIso(String value) {
        try {
            return Optional.of(OffsetDateTime.parse(value).toInstant());
        }
        catch (DateTimeParseException withoutOffset) {
            try {
                return Optional.of(LocalDateTime.parse(value).toInstant(ZoneOffset.UTC));
            }
            catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
    }

    /**
     * Parses {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z} without a {@code DateTimeFormatter}, which dominated the
     * collect job's CPU profile (and a tenth of the activation job's). Returns null for any other shape (the caller
     * falls back to the full parser).
     */
    static Instant parseUtcFast(String value) {
        int length = value.length();
        if (length < 20 || length > 30 || value.charAt(length - 1) != 'Z' || value.charAt(4) != '-' || value.charAt(7) != '-'
                || value.charAt(10) != 'T' || value.charAt(13) != ':' || value.charAt(16) != ':') {
            return null;
        }
        int year = digits(value, 0, 4);
        int month = digits(value, 5, 7);
        int day = digits(value, 8, 10);
        int hour = digits(value, 11, 13);
        int minute = digits(value, 14, 16);
        int second = digits(value, 17, 19);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        int nanos = 0;
        if (length > 20) {
            if (value.charAt(19) != '.' || length == 21) {
                return null;
            }
            int fraction = digits(value, 20, length - 1);
            if (fraction < 0) {
                return null;
            }
            nanos = fraction;
            for (int scale = length - 1 - 20; scale < 9; scale++) {
                nanos *= 10;
            }
        }
        else if (length != 20) {
            return null;
        }
        try {
            long days = java.time.LocalDate.of(year, month, day).toEpochDay();
            return Instant.ofEpochSecond(days * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
        }
        catch (java.time.DateTimeException e) {
            return null;
        }
    }

    /** The non-negative number written in decimal digits from {@code start} to {@code end}, or -1. */
    private static int digits(String value, int start, int end) {
        int result = 0;
        for (int i = start; i < end; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            result = result * 10 + (c - '0');
        }
        return result;
    }

    public static String format(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS).toString();
    }

    /**
     * Epoch microseconds, as the tables store times. Not {@code ChronoUnit.MICROS.between}: it counts
     * nanoseconds first, which overflows for times before 1677 or after 2262.
     *
     * @throws ArithmeticException if the time does not fit in a long of microseconds (about 290,000 years around 1970)
     */
    public static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), MICROS_PER_SECOND), instant.getNano() / 1_000);
    }

    /** Whether a time fits in the tables' epoch microseconds. */
    private static boolean storable(Instant instant) {
        try {
            micros(instant);
            return true;
        }
        catch (ArithmeticException e) {
            return false;
        }
    }

    /** A non-empty string field, or empty. */
    public static Optional<String> text(JsonNode event, String field) {
        JsonNode node = event.get(field);
        if (node == null || !node.isTextual() || node.textValue().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(node.textValue());
    }

    private static Optional<String> identifier(JsonNode event, String field) {
        JsonNode node = event.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isIntegralNumber()) {
            return Optional.of(node.asText());
        }
        return node.isTextual() && !node.textValue().isBlank() ? Optional.of(node.textValue()) : Optional.empty();
    }

    private static String json(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            return MAPPER.writeValueAsString(node);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialize a parsed JSON tree", e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static String abbreviate(String value) {
        return value.length() <= 40 ? value : value.substring(0, 40) + "...";
    }
}
