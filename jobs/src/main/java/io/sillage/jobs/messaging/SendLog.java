package io.sillage.jobs.messaging;

import java.io.Serializable;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The send log: what the activation job knows about every message it handed to a provider, kept outside Flink
 * (PostgreSQL {@code message_sends}, {@link PostgresSendLog}) so that it survives a crash that rolls Flink state
 * back. Exactly once per idempotency key rests on it:
 * <ol>
 *   <li>before calling the provider, the job {@linkplain #claim claims} the message: a new row {@code pending}
 *       ({@code insert ... on conflict do nothing}), or an existing row taken over as {@link #decide} says;</li>
 *   <li>after the provider answers, the row becomes {@code sent}, {@code retrying} (a temporary failure, the next
 *       attempt is scheduled) or {@code failed};</li>
 *   <li>a message replayed after a crash finds its row: {@code sent} or {@code failed} means it is not sent again;
 *       {@code pending} means an attempt's outcome is unknown (the job died during the call, or before recording
 *       the answer): once the row is older than the send timeout it is sent again, with the same provider-side
 *       identity (SMTP {@code Message-ID}, SparkPost {@code Idempotency-Key}, Standard Webhooks {@code webhook-id}),
 *       and recorded {@code sent} with reason {@code unknown_resent}.</li>
 * </ol>
 * Implementations are thread-safe.
 */
public interface SendLog extends AutoCloseable {

    enum Status {
        PENDING, RETRYING, SENT, FAILED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Status of(String wire) {
            return valueOf(wire.toUpperCase(Locale.ROOT));
        }
    }

    /** The message a row is about. */
    record Entry(String projectId, String idempotencyKey, String messageId, String channel, String destinationHash) {
        static Entry of(Delivery delivery) {
            return new Entry(delivery.projectId, delivery.idempotencyKey, delivery.messageId, delivery.channel, delivery.destinationHash);
        }
    }

    /** What a claim found: the status, the attempt that set it, and when the last attempt was claimed. */
    record Row(Status status, int attempt, long claimedAtMillis) {}

    /** May the attempt go ahead? */
    sealed interface Claim permits Claim.Send, Claim.AlreadySent, Claim.AlreadyFailed, Claim.InFlight {
        /** Yes; {@code outcomeUnknown} when an earlier attempt's outcome is unknown (this is then possibly a resend). */
        record Send(boolean outcomeUnknown) implements Claim {}

        /** No: the provider accepted it already. */
        record AlreadySent() implements Claim {}

        /** No: it failed for good already. */
        record AlreadyFailed() implements Claim {}

        /** Not yet: an attempt claimed less than the send timeout ago may still be running; ask again at {@code untilMillis}. */
        record InFlight(long untilMillis) implements Claim {}
    }

    /**
     * The whole claim decision on an existing row (null: none, the caller inserts one).
     *
     * @param staleAfterMillis the send timeout: no attempt runs longer
     */
    static Claim decide(Row existing, long nowMillis, long staleAfterMillis) {
        if (existing == null) {
            return new Claim.Send(false);
        }
        return switch (existing.status()) {
            case SENT -> new Claim.AlreadySent();
            case FAILED -> new Claim.AlreadyFailed();
            case RETRYING -> new Claim.Send(false);
            case PENDING -> nowMillis >= existing.claimedAtMillis() + staleAfterMillis
                    ? new Claim.Send(true)
                    : new Claim.InFlight(existing.claimedAtMillis() + staleAfterMillis);
        };
    }

    /**
     * Claims attempt {@code attempt} of a message: when the answer is {@link Claim.Send}, the row is {@code pending},
     * claimed now, and the caller must call the provider and then record the outcome.
     *
     * @throws UnavailableException when the log cannot be read or written (nothing was claimed)
     */
    Claim claim(Entry entry, int attempt, long nowMillis, long staleAfterMillis);

    /**
     * The provider accepted it. The outcome methods return at once; their future completes when the outcome is
     * recorded, or fails with {@link UnavailableException}.
     *
     * @param reason null, or {@code unknown_resent}
     */
    CompletableFuture<Void> sent(Entry entry, String providerMessageId, String reason, long nowMillis);

    /** A temporary failure; another attempt is scheduled. */
    CompletableFuture<Void> retrying(Entry entry, String reason, long nowMillis);

    /** Failed for good (a permanent failure or the dead letter). */
    CompletableFuture<Void> failed(Entry entry, String reason, long nowMillis);

    @Override
    void close();

    /** Opens a log in a Flink function's {@code open}. */
    @FunctionalInterface
    interface Factory extends Serializable {
        SendLog open();
    }

    /** The log could not be read or written. */
    class UnavailableException extends RuntimeException {
        public UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
