package io.sillage.jobs.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.sillage.jobs.messaging.SendLog.Claim;
import io.sillage.jobs.messaging.SendLog.Row;
import io.sillage.jobs.messaging.SendLog.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The claim decision the send log takes before every attempt, and the sequences a message goes through. */
class SendLogTest {
    private static final long NOW = Fixtures.T0;
    private static final long TIMEOUT = 60_000;
    private static final SendLog.Entry ENTRY = new SendLog.Entry("shop", "aut_x:v1:m1", "msg_1", "email", "hash");

    @BeforeEach
    void reset() {
        Fixtures.reset();
    }

    @Test
    void theDecisionOnEveryKindOfRow() {
        assertThat(SendLog.decide(null, NOW, TIMEOUT)).as("first attempt").isEqualTo(new Claim.Send(false));
        assertThat(SendLog.decide(new Row(Status.SENT, 1, NOW - 10), NOW, TIMEOUT)).isEqualTo(new Claim.AlreadySent());
        assertThat(SendLog.decide(new Row(Status.FAILED, 8, NOW - 10), NOW, TIMEOUT)).isEqualTo(new Claim.AlreadyFailed());
        assertThat(SendLog.decide(new Row(Status.RETRYING, 2, NOW - 10), NOW, TIMEOUT)).as("the scheduled retry").isEqualTo(new Claim.Send(false));
        assertThat(SendLog.decide(new Row(Status.PENDING, 1, NOW - TIMEOUT + 1), NOW, TIMEOUT)).as("may still be running")
                .isEqualTo(new Claim.InFlight(NOW + 1));
        assertThat(SendLog.decide(new Row(Status.PENDING, 1, NOW - TIMEOUT), NOW, TIMEOUT)).as("outcome unknown")
                .isEqualTo(new Claim.Send(true));
    }

    @Test
    void aMessageGoesOutOnceWhateverIsReplayed() {
        SendLog log = InMemorySendLog.SHARED;
        assertThat(log.claim(ENTRY, 1, NOW, TIMEOUT)).isEqualTo(new Claim.Send(false));
        // the job dies during the call and replays at once: the attempt may still be running
        assertThat(log.claim(ENTRY, 1, NOW + 5_000, TIMEOUT)).isEqualTo(new Claim.InFlight(NOW + TIMEOUT));
        // after the send timeout the outcome is unknown: resend (same Message-ID / Idempotency-Key / webhook-id)
        assertThat(log.claim(ENTRY, 1, NOW + TIMEOUT, TIMEOUT)).isEqualTo(new Claim.Send(true));
        log.retrying(ENTRY, "HTTP 503", NOW + TIMEOUT + 100);
        assertThat(log.claim(ENTRY, 2, NOW + 2 * TIMEOUT, TIMEOUT)).isEqualTo(new Claim.Send(false));
        log.sent(ENTRY, "provider-1", null, NOW + 2 * TIMEOUT + 100);
        // a replay of any attempt, or a request replayed after the job's dedup state expired, finds it sent
        assertThat(log.claim(ENTRY, 1, NOW + 3 * TIMEOUT, TIMEOUT)).isEqualTo(new Claim.AlreadySent());
        assertThat(log.claim(ENTRY, 3, NOW + 100 * TIMEOUT, TIMEOUT)).isEqualTo(new Claim.AlreadySent());
    }

    @Test
    void ofTwoAttemptsRacingForAMessageOnlyOneSends() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Claim>> claims = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                claims.add(threads.submit(() -> {
                    start.await();
                    return InMemorySendLog.SHARED.claim(ENTRY, 1, NOW, TIMEOUT);
                }));
            }
            start.countDown();
            List<Claim> answers = new ArrayList<>();
            for (Future<Claim> claim : claims) {
                answers.add(claim.get());
            }
            assertThat(answers).filteredOn(claim -> claim instanceof Claim.Send).hasSize(1);
            assertThat(answers).filteredOn(claim -> claim instanceof Claim.InFlight).hasSize(7);
        }
        finally {
            threads.shutdownNow();
        }
    }
}
