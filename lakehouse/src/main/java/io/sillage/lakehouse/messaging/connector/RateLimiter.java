package io.sillage.lakehouse.messaging.connector;

import static java.util.Objects.requireNonNull;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;

/**
 * The sending rate of one connector: a token bucket (Bucket4j) that refills {@code permits} every {@code period}
 * and holds at most {@code burst}. One limiter per connector, so that one provider's limit never holds back
 * another's messages. Never blocks: a caller that gets no permit is told how long to wait. Thread-safe.
 */
public final class RateLimiter {
    private final Bucket bucket;

    /** {@code permits} per {@code period}, at most {@code burst} at once. */
    public record Limit(long permits, Duration period, long burst) {
        public static final Limit DEFAULT = new Limit(100, Duration.ofSeconds(1), 100);

        public Limit {
            requireNonNull(period, "period is null");
            if (permits < 1 || burst < 1) {
                throw new IllegalArgumentException("permits and burst must be at least 1");
            }
            if (period.toNanos() <= 0) {
                throw new IllegalArgumentException("period must be positive");
            }
        }
    }

    public RateLimiter(Limit limit) {
        this(limit, TimeMeter.SYSTEM_NANOTIME);
    }

    RateLimiter(Limit limit, TimeMeter clock) {
        bucket = Bucket.builder()
                .addLimit(bandwidth -> bandwidth.capacity(limit.burst()).refillGreedy(limit.permits(), limit.period()))
                .withCustomTimePrecision(clock)
                .build();
    }

    /** Takes a permit and answers {@link Duration#ZERO}; or, when there is none, takes nothing and answers how long until there is one. */
    public Duration tryAcquire() {
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? Duration.ZERO : Duration.ofNanos(Math.max(1, probe.getNanosToWaitForRefill()));
    }
}
