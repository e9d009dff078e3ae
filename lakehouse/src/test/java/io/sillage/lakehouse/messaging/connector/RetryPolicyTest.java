package io.sillage.lakehouse.messaging.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    private static final RetryPolicy POLICY = new RetryPolicy(5, Duration.ofSeconds(30), Duration.ofMinutes(3));
    private static final DeliveryResult BUSY = new DeliveryResult.TemporaryFailure("HTTP 503", null);

    /** A generator whose every draw is {@code fraction} of the range. */
    private static RandomGenerator fixed(double fraction) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public long nextLong(long bound) {
                return (long) (fraction * (bound - 1));
            }
        };
    }

    private static Duration delay(RetryPolicy.Decision decision) {
        assertThat(decision).isInstanceOf(RetryPolicy.Decision.Retry.class);
        return Duration.between(NOW, ((RetryPolicy.Decision.Retry) decision).at());
    }

    @Test
    void onlyTemporaryFailuresAreRetried() {
        assertThat(POLICY.next(1, new DeliveryResult.Accepted("id"), NOW, fixed(0))).isEqualTo(new RetryPolicy.Decision.Done());
        assertThat(POLICY.next(1, new DeliveryResult.PermanentFailure("HTTP 400", false), NOW, fixed(0))).isEqualTo(new RetryPolicy.Decision.Done());
        assertThat(POLICY.next(1, BUSY, NOW, fixed(0))).isInstanceOf(RetryPolicy.Decision.Retry.class);
    }

    @Test
    void backsOffExponentiallyUpToTheCapWithJitterInTheUpperHalf() {
        assertThat(delay(POLICY.next(1, BUSY, NOW, fixed(0)))).isEqualTo(Duration.ofSeconds(30));
        assertThat(delay(POLICY.next(2, BUSY, NOW, fixed(0)))).isEqualTo(Duration.ofSeconds(60));
        assertThat(delay(POLICY.next(3, BUSY, NOW, fixed(0)))).isEqualTo(Duration.ofSeconds(120));
        assertThat(delay(POLICY.next(4, BUSY, NOW, fixed(0)))).as("capped").isEqualTo(Duration.ofMinutes(3));
        assertThat(delay(POLICY.next(3, BUSY, NOW, fixed(1)))).as("most jitter: half").isEqualTo(Duration.ofSeconds(60));

        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 1000; i++) {
            assertThat(delay(POLICY.next(2, BUSY, NOW, random))).isBetween(Duration.ofSeconds(30), Duration.ofSeconds(60));
        }
    }

    @Test
    void retryAfterIsAFloor() {
        DeliveryResult limited = new DeliveryResult.TemporaryFailure("HTTP 429", Duration.ofMinutes(10));
        assertThat(delay(POLICY.next(1, limited, NOW, fixed(0)))).isEqualTo(Duration.ofMinutes(10));
        DeliveryResult soon = new DeliveryResult.TemporaryFailure("HTTP 429", Duration.ofSeconds(1));
        assertThat(delay(POLICY.next(1, soon, NOW, fixed(0)))).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void theLastAttemptGoesToTheDeadLetter() {
        assertThat(POLICY.next(4, BUSY, NOW, fixed(0))).isInstanceOf(RetryPolicy.Decision.Retry.class);
        assertThat(POLICY.next(5, BUSY, NOW, fixed(0))).isEqualTo(new RetryPolicy.Decision.DeadLetter("temporary failures on all 5 attempts, the last: HTTP 503"));
        assertThat(new RetryPolicy(1, Duration.ofSeconds(1), Duration.ofSeconds(1)).next(1, BUSY, NOW, fixed(0)))
                .isInstanceOf(RetryPolicy.Decision.DeadLetter.class);
        assertThat(delay(new RetryPolicy(100, Duration.ofSeconds(1), Duration.ofHours(1)).next(80, BUSY, NOW, fixed(0))))
                .as("no overflow on late attempts").isEqualTo(Duration.ofHours(1));
    }
}
