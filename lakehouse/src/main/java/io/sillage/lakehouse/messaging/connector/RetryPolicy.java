package io.sillage.lakehouse.messaging.connector;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

/**
 * What follows an attempt at sending: nothing more, a retry at a given time, or the dead letter. Pure decision
 * logic: the caller (the activation job's timers) does the waiting.
 *
 * <p>Only a {@link DeliveryResult.TemporaryFailure} is retried. The delay before attempt {@code n + 1} is
 * exponential, {@code initialBackoff * 2^(n-1)} capped at {@code maxBackoff}, with "equal jitter": a random
 * point in its upper half, so that messages failing together do not come back together. A provider's
 * {@code Retry-After} is a floor. After {@code maxAttempts} attempts, the message goes to the dead letter.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(8, Duration.ofSeconds(30), Duration.ofHours(1));

    public RetryPolicy {
        requireNonNull(initialBackoff, "initialBackoff is null");
        requireNonNull(maxBackoff, "maxBackoff is null");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        }
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new IllegalArgumentException("initialBackoff must be positive");
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff must be at least initialBackoff");
        }
    }

    public sealed interface Decision permits Decision.Done, Decision.Retry, Decision.DeadLetter {
        /** Nothing more to do: the message was accepted, or failed for good (the result says which). */
        record Done() implements Decision {}

        /** Try again at {@code at}. */
        record Retry(Instant at) implements Decision {}

        /** Temporary failures until the last attempt: park the message in the dead letter, with why. */
        record DeadLetter(String reason) implements Decision {}
    }

    /**
     * @param attempt the attempt that produced {@code result}: 1 for the first send
     * @param now     when it ended
     * @param random  the jitter's source
     */
    public Decision next(int attempt, DeliveryResult result, Instant now, RandomGenerator random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt counts from 1, got " + attempt);
        }
        if (!(result instanceof DeliveryResult.TemporaryFailure failure)) {
            return new Decision.Done();
        }
        if (attempt >= maxAttempts) {
            return new Decision.DeadLetter("temporary failures on all " + maxAttempts + " attempts, the last: " + failure.reason());
        }
        long ceiling = initialBackoff.toMillis() << Math.min(attempt - 1, 40);
        long backoff = ceiling <= 0 || ceiling > maxBackoff.toMillis() ? maxBackoff.toMillis() : ceiling;
        long delay = backoff - random.nextLong(backoff / 2 + 1);
        if (failure.retryAfter() != null) {
            delay = Math.max(delay, failure.retryAfter().toMillis());
        }
        return new Decision.Retry(now.plusMillis(delay));
    }
}
