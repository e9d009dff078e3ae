package io.sillage.lakehouse.messaging.connector;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What a provider answered to one attempt at sending a message. A connector never throws for a delivery problem:
 * every outcome is one of these, and {@link RetryPolicy} decides what follows.
 */
public sealed interface DeliveryResult permits DeliveryResult.Accepted, DeliveryResult.TemporaryFailure, DeliveryResult.PermanentFailure {

    enum Status { ACCEPTED, TEMPORARY_FAILURE, PERMANENT_FAILURE }

    Status status();

    /**
     * The provider took the message. {@code providerMessageId} is its id for it (SparkPost transmission id, Twilio
     * message SID, push service {@code Location}, the SMTP {@code Message-ID}), or null when it gives none.
     */
    record Accepted(String providerMessageId) implements DeliveryResult {
        @Override
        public Status status() {
            return Status.ACCEPTED;
        }
    }

    /**
     * The same message may go through later: HTTP 408, 429 and 5xx, SMTP 4xx, a timeout, a refused connection.
     * {@code retryAfter} is the provider's {@code Retry-After}, or null when it gave none.
     */
    record TemporaryFailure(String reason, Duration retryAfter) implements DeliveryResult {
        public TemporaryFailure {
            requireNonNull(reason, "reason is null");
        }

        @Override
        public Status status() {
            return Status.TEMPORARY_FAILURE;
        }
    }

    /**
     * Sending this message again will fail again: other HTTP 4xx, SMTP 5xx, a malformed message. When
     * {@code destinationRejected}, the cause is the destination itself (an invalid or refused address, an expired
     * push subscription, a number that cannot receive SMS): the sender should stop using it.
     */
    record PermanentFailure(String reason, boolean destinationRejected) implements DeliveryResult {
        public PermanentFailure {
            requireNonNull(reason, "reason is null");
        }

        @Override
        public Status status() {
            return Status.PERMANENT_FAILURE;
        }
    }
}
