package io.sillage.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.sillage.api.db.OperationalDatabase;
import io.sillage.jobs.messaging.PostgresSendLog;
import io.sillage.jobs.messaging.SendLog;
import io.sillage.jobs.messaging.SendLog.Claim;
import io.sillage.stack.process.Ports;
import io.sillage.stack.component.Postgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The activation job's send log ({@link PostgresSendLog}) against a real PostgreSQL, migrated as the API migrates
 * it: claims and outcomes from many threads are written in batches, yet each message is claimed once, and a
 * database that goes away fails the claims, which succeed again once it is back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SendLogIT {
    private static final long TIMEOUT = 60_000;

    private Postgres postgres;
    private SendLog.Factory logs;

    @BeforeAll
    void startPostgres() {
        Path home = Path.of(System.getProperty("sillage.home", "../..")).toAbsolutePath().normalize();
        Path var = home.resolve("infra/stack/target/it-var-sendlog-" + System.currentTimeMillis());
        int[] ports = Ports.freePorts(6);
        StackConfig config = StackConfig.fromEnvironment(home, Map.of("SILLAGE_VAR", var.toString()))
                .withPorts(ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]);
        postgres = new Postgres(config);
        postgres.start();
        postgres.createDatabases();
        try (HikariDataSource dataSource = OperationalDatabase.open(jdbcUrl(), Postgres.USER, postgres.password(), 2)) {
            OperationalDatabase.migrate(dataSource);
        }
        logs = PostgresSendLog.factory(jdbcUrl(), Postgres.USER, postgres.password(),
                new PostgresSendLog.Options(2, Duration.ofMillis(2), Duration.ZERO, Duration.ofHours(1))); // no pruning: the tests' clocks are in 1970
    }

    @AfterAll
    void stopPostgres() {
        if (postgres != null) {
            postgres.stop();
        }
    }

    @Test
    void messagesClaimedFromManyThreadsAreInsertedInBatchesAndEachIsWonOnce() throws Exception {
        String project = "p-" + UUID.randomUUID();
        int threads = 16;
        int perThread = 50;
        Map<String, List<Claim>> claims = new ConcurrentHashMap<>();
        try (SendLog log = logs.open()) {
            // every message is claimed by two threads at once: one wins, the other finds it in flight
            runConcurrently(threads, thread -> {
                for (int i = 0; i < perThread; i++) {
                    String key = "k-" + ((thread / 2) * perThread + i);
                    claims.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(log.claim(entry(project, key), 1, 1_000_000L + i, TIMEOUT));
                }
            });
            int messages = threads / 2 * perThread;
            assertThat(claims).hasSize(messages);
            claims.forEach((key, both) -> assertThat(both).as("each message won once, the other attempt told to wait: " + key)
                    .containsExactlyInAnyOrder(new Claim.Send(false), new Claim.InFlight(1_000_000L + Integer.parseInt(key.substring(2)) % perThread + TIMEOUT)));

            List<CompletableFuture<Void>> recorded = new ArrayList<>();
            for (String key : claims.keySet()) {
                recorded.add(log.sent(entry(project, key), "provider-" + key, null, 2_000_000L));
            }
            CompletableFuture.allOf(recorded.toArray(CompletableFuture[]::new)).get();
            assertThat(count(project, "status = 'sent' and provider_message_id = 'provider-' || idempotency_key")).isEqualTo(messages);
            assertThat(log.claim(entry(project, "k-7"), 1, 3_000_000L, TIMEOUT)).as("a replay finds it sent").isEqualTo(new Claim.AlreadySent());
        }
    }

    @Test
    void newClaimsShareTransactions() throws Exception {
        String project = "p-" + UUID.randomUUID();
        int threads = 16;
        int perThread = 50;
        try (SendLog log = logs.open()) {
            runConcurrently(threads, thread -> {
                for (int i = 0; i < perThread; i++) {
                    assertThat(log.claim(entry(project, "t" + thread + "-" + i), 1, 1_000_000L, TIMEOUT)).isEqualTo(new Claim.Send(false));
                }
            });
        }
        // each row's xmin is the transaction that inserted it: one statement per batch, not per message
        int transactions = query("select count(distinct xmin::text) from message_sends where project_id = ?", project);
        assertThat(count(project, "status = 'pending'")).isEqualTo(threads * perThread);
        assertThat(transactions).as("transactions for %d claims from %d threads", threads * perThread, threads).isLessThan(threads * perThread / 2);
    }

    @Test
    void anUnknownOutcomeIsResentAfterTheTimeoutAndARetryTakesTheRowOver() throws Exception {
        String project = "p-" + UUID.randomUUID();
        SendLog.Entry entry = entry(project, "k");
        try (SendLog log = logs.open()) {
            assertThat(log.claim(entry, 1, 1_000_000L, TIMEOUT)).isEqualTo(new Claim.Send(false));
            // the job died during the call: the row stays pending
            assertThat(log.claim(entry, 1, 1_000_000L + TIMEOUT - 1, TIMEOUT)).isEqualTo(new Claim.InFlight(1_000_000L + TIMEOUT));
            assertThat(log.claim(entry, 1, 1_000_000L + TIMEOUT, TIMEOUT)).as("outcome unknown: resend").isEqualTo(new Claim.Send(true));
            log.retrying(entry, "421 try later", 1_000_000L + TIMEOUT + 10).get();
            assertThat(log.claim(entry, 2, 2_000_000L, TIMEOUT)).isEqualTo(new Claim.Send(false));
            assertThat(query("select attempt from message_sends where project_id = ?", project)).isEqualTo(2);
            log.failed(entry, "550 no such user", 2_000_010L).get();
            assertThat(log.claim(entry, 3, 3_000_000L, TIMEOUT)).isEqualTo(new Claim.AlreadyFailed());
        }
    }

    @Test
    void claimsFailWhilePostgresIsDownAndSucceedOnceItIsBack() throws Exception {
        String project = "p-" + UUID.randomUUID();
        try (SendLog log = logs.open()) {
            assertThat(log.claim(entry(project, "before"), 1, 1_000_000L, TIMEOUT)).isEqualTo(new Claim.Send(false));
            postgres.stop();
            try {
                assertThatThrownBy(() -> log.claim(entry(project, "during"), 1, 1_000_000L, TIMEOUT))
                        .isInstanceOf(SendLog.UnavailableException.class).hasMessageStartingWith("send log: ");
                assertThat(log.sent(entry(project, "before"), "id", null, 1_000_100L)).failsWithin(Duration.ofSeconds(30));
            }
            finally {
                postgres.start();
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> log.claim(entry(project, "during"), 1, 1_000_000L, TIMEOUT).equals(new Claim.Send(false)));
            log.sent(entry(project, "before"), "id", null, 1_000_200L).get();
            assertThat(count(project, "idempotency_key = 'before' and status = 'sent'")).isEqualTo(1);
        }
    }

    @Test
    void rowsUnchangedForLongerThanTheRetentionArePrunedInChunks() throws Exception {
        String project = "p-" + UUID.randomUUID();
        long now = System.currentTimeMillis();
        long day = Duration.ofDays(1).toMillis();
        try (SendLog log = logs.open()) {
            assertThat(log.claim(entry(project, "old"), 1, now - 40 * day, TIMEOUT)).isEqualTo(new Claim.Send(false));
            log.sent(entry(project, "old"), "id-old", null, now - 40 * day).get();
            assertThat(log.claim(entry(project, "recent"), 1, now - 40 * day, TIMEOUT)).isEqualTo(new Claim.Send(false));
            log.sent(entry(project, "recent"), "id-recent", null, now - day).get(); // claimed long ago, but changed lately
        }
        int many = PostgresSendLog.PRUNE_CHUNK + 1_000;
        try (Connection connection = DriverManager.getConnection(jdbcUrl(), Postgres.USER, postgres.password());
             PreparedStatement insert = connection.prepareStatement("""
                     insert into message_sends (project_id, idempotency_key, message_id, channel, status, attempt, claimed_at, updated_at)
                     select ?, 'bulk-' || i, 'msg-bulk-' || i, 'email', 'sent', 1, now() - interval '60 days', now() - interval '60 days'
                     from generate_series(1, ?) as i""")) {
            insert.setString(1, project);
            insert.setInt(2, many);
            assertThat(insert.executeUpdate()).isEqualTo(many);
        }

        SendLog.Factory pruning = PostgresSendLog.factory(jdbcUrl(), Postgres.USER, postgres.password(),
                new PostgresSendLog.Options(1, Duration.ofMillis(2), Duration.ofDays(30), Duration.ofMillis(100)));
        try (SendLog log = pruning.open()) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> count(project, "idempotency_key <> 'recent'"), remaining -> remaining == 0);
            assertThat(count(project, "idempotency_key = 'recent' and status = 'sent'")).isEqualTo(1);
            assertThat(log.claim(entry(project, "new"), 1, now, TIMEOUT)).as("claims go on beside the pruning").isEqualTo(new Claim.Send(false));
        }
    }

    private static SendLog.Entry entry(String project, String key) {
        return new SendLog.Entry(project, key, "msg-" + key, "email", "hash-" + key);
    }

    @FunctionalInterface
    private interface Work {
        void run(int thread) throws Exception;
    }

    private static void runConcurrently(int threads, Work work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    work.run(thread);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : done) {
                future.get();
            }
        }
        finally {
            pool.shutdownNow();
        }
    }

    private int count(String project, String condition) throws Exception {
        return query("select count(*) from message_sends where project_id = ? and " + condition, project);
    }

    private int query(String sql, String project) throws Exception {
        try (Connection connection = DriverManager.getConnection(jdbcUrl(), Postgres.USER, postgres.password());
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, project);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getInt(1);
            }
        }
    }

    private String jdbcUrl() {
        return postgres.jdbcUrl(Postgres.OPERATIONAL_DATABASE);
    }
}
