package io.sillage.lakehouse.messaging.connector;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private final AtomicLong nanos = new AtomicLong();
    private final TimeMeter clock = new TimeMeter() {
        @Override
        public long currentTimeNanos() {
            return nanos.get();
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    };

    @Test
    void allowsTheBurstThenThePaceAndSaysHowLongToWait() {
        RateLimiter limiter = new RateLimiter(new RateLimiter.Limit(10, Duration.ofSeconds(1), 3), clock);
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire()).isEqualTo(Duration.ZERO);
        }
        assertThat(limiter.tryAcquire()).as("the burst is spent: one permit every 100 ms").isEqualTo(Duration.ofMillis(100));
        nanos.addAndGet(Duration.ofMillis(100).toNanos());
        assertThat(limiter.tryAcquire()).isEqualTo(Duration.ZERO);
        assertThat(limiter.tryAcquire()).isEqualTo(Duration.ofMillis(100));
        nanos.addAndGet(Duration.ofSeconds(10).toNanos());
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.tryAcquire()).as("refilled up to the burst only").isEqualTo(Duration.ZERO);
        }
        assertThat(limiter.tryAcquire()).isPositive();
    }

    @Test
    void oneConnectorsLimitDoesNotSpendAnothers() {
        RateLimiter sms = new RateLimiter(new RateLimiter.Limit(1, Duration.ofMinutes(1), 1), clock);
        RateLimiter email = new RateLimiter(new RateLimiter.Limit(100, Duration.ofSeconds(1), 100), clock);
        assertThat(sms.tryAcquire()).isZero();
        assertThat(sms.tryAcquire()).isEqualTo(Duration.ofMinutes(1));
        for (int i = 0; i < 100; i++) {
            assertThat(email.tryAcquire()).isZero();
        }
    }

    @Test
    void runsOnTheSystemClock() throws InterruptedException {
        RateLimiter limiter = new RateLimiter(new RateLimiter.Limit(20, Duration.ofSeconds(1), 1));
        assertThat(limiter.tryAcquire()).isZero();
        Duration wait = limiter.tryAcquire();
        assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofMillis(50));
        Thread.sleep(wait.toMillis() + 5);
        assertThat(limiter.tryAcquire()).isZero();
    }
}
