package io.sillage.jobs.messaging;

/**
 * What came of handing a {@link Delivery} to its connector, as the send stage reports it to the outcome stage. A
 * Flink POJO. {@link #delivery} is stripped of its connector configuration; after an outcome that ends the message
 * (sent, failed) also of its rendered texts and headers, which only a later attempt or a dead letter needs.
 */
public class SendResult {
    /** The provider accepted it ({@link #reason} is {@code unknown_resent} when an earlier attempt's fate was unknown). */
    public static final String SENT = "sent";
    /** The send log says it was sent already: not sent again. */
    public static final String ALREADY_SENT = "already_sent";
    /** Failed for good: a permanent failure, a message the connector cannot send. */
    public static final String FAILED = "failed";
    /** The send log says it failed for good already. */
    public static final String ALREADY_FAILED = "already_failed";
    /** A temporary failure: try again at {@link #notBeforeMillis}, as the next attempt. */
    public static final String RETRY = "retry";
    /** Temporary failures on every attempt the connector's retry policy allows. */
    public static final String DEAD_LETTER = "dead_letter";
    /** No attempt was made (connector busy or rate limited, send log unavailable, another attempt in flight): the same attempt at {@link #notBeforeMillis}. */
    public static final String DEFERRED = "deferred";

    public Delivery delivery;
    public String outcome;
    public String reason;
    public String providerMessageId;
    public long notBeforeMillis;
    public long completedAtMillis;

    public SendResult() {}

    public static SendResult of(Delivery delivery, String outcome, String reason, long completedAtMillis) {
        SendResult result = new SendResult();
        result.delivery = switch (outcome) {
            case SENT, ALREADY_SENT, FAILED, ALREADY_FAILED -> delivery.withoutContent();
            default -> delivery.withoutConnector();
        };
        result.outcome = outcome;
        result.reason = reason;
        result.completedAtMillis = completedAtMillis;
        return result;
    }

    public SendResult notBefore(long millis) {
        notBeforeMillis = millis;
        return this;
    }

    public SendResult providerMessageId(String id) {
        providerMessageId = id;
        return this;
    }

    @Override
    public String toString() {
        return outcome + (reason == null ? "" : "(" + reason + ")") + " " + delivery;
    }
}
