package io.sillage.jobs.messaging;

import java.io.Serializable;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SendLog} in PostgreSQL table {@code message_sends} (created by the API's migration
 * {@code V6__message_sends.sql}), written in batches. Claims and outcomes from all the send threads wait in one
 * queue; each of {@code connections} writer threads takes what has gathered (up to {@value #MAX_BATCH}) and writes
 * it in two statements, each its own transaction:
 * <ul>
 *   <li>the claims: one {@code insert ... select from unnest(...) on conflict do nothing returning} the keys it
 *       inserted, which are claimed ({@code pending}); a message with a row already (a retry, a replay) then goes
 *       through the claim of one row: a compare-and-set {@code update} on its status and claim time, so two attempts
 *       racing for one message cannot both win;</li>
 *   <li>the outcomes: one {@code update ... from unnest(...)}.</li>
 * </ul>
 * A claim returns once its transaction has committed, and an outcome's future completes once it has: the caller
 * sends only what is claimed, and reports an outcome only once it is recorded. A batch that fails (the connection
 * dropped, the database down) fails every claim and outcome in it; the connection is opened again for the next.
 * Compared with two statements per message, a batch of a few dozen costs PostgreSQL about as much as one message.
 *
 * <p>The first writer also prunes: every {@code pruneInterval}, it deletes the rows last changed longer ago than the
 * retention, {@value #PRUNE_CHUNK} at a time between batches (by the {@code updated_at} index).
 */
public final class PostgresSendLog implements SendLog {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresSendLog.class);
    private static final int MAX_ROUNDS = 5;
    static final int MAX_BATCH = 500;
    /** A batch at least this large is written without lingering. */
    static final int LINGER_BATCH = 50;
    /** Rows deleted per statement when pruning. */
    public static final int PRUNE_CHUNK = 5_000;

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final Options options;
    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean closed;

    private PostgresSendLog(String jdbcUrl, String user, String password, Options options) {
        this.options = options;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        for (int i = 1; i <= options.connections(); i++) {
            boolean pruner = i == 1;
            Thread writer = new Thread(() -> write(pruner), "sillage-send-log-" + i);
            writer.setDaemon(true);
            writers.add(writer);
            writer.start();
        }
    }

    public static Factory factory(String jdbcUrl, String user, String password, Options options) {
        return () -> new PostgresSendLog(jdbcUrl, user, password, options);
    }

    /**
     * @param connections   writer threads, each with its connection
     * @param linger        how long a writer waits for more requests after the first before it writes a batch smaller
     *                      than {@value #LINGER_BATCH} (zero: write what is there at once)
     * @param retention     how long a message's row is kept after its last change; zero keeps rows forever
     * @param pruneInterval how often the first writer deletes the rows past the retention
     */
    public record Options(int connections, Duration linger, Duration retention, Duration pruneInterval) implements Serializable {
        public Options {
            if (connections < 1) {
                throw new IllegalArgumentException("the send log needs at least one connection");
            }
            if (linger.isNegative() || retention.isNegative() || pruneInterval.isNegative() || pruneInterval.isZero()) {
                throw new IllegalArgumentException("the send log's linger and retention cannot be negative, nor its prune interval zero");
            }
        }
    }

    /** A claim or an outcome waiting for a writer. */
    private sealed interface Request permits ClaimRequest, Outcome {
        Entry entry();

        void fail(UnavailableException failure);
    }

    private record ClaimRequest(Entry entry, int attempt, long nowMillis, long staleAfterMillis, CompletableFuture<Claim> result) implements Request {
        @Override
        public void fail(UnavailableException failure) {
            result.completeExceptionally(failure);
        }
    }

    private record Outcome(Entry entry, Status status, String providerMessageId, String reason, long nowMillis, CompletableFuture<Void> result) implements Request {
        @Override
        public void fail(UnavailableException failure) {
            result.completeExceptionally(failure);
        }
    }

    @Override
    public Claim claim(Entry entry, int attempt, long nowMillis, long staleAfterMillis) {
        CompletableFuture<Claim> result = new CompletableFuture<>();
        enqueue(new ClaimRequest(entry, attempt, nowMillis, staleAfterMillis, result));
        try {
            return result.join();
        }
        catch (CompletionException e) {
            if (e.getCause() instanceof UnavailableException unavailable) {
                throw unavailable;
            }
            throw e;
        }
    }

    @Override
    public CompletableFuture<Void> sent(Entry entry, String providerMessageId, String reason, long nowMillis) {
        return finish(entry, Status.SENT, providerMessageId, reason, nowMillis);
    }

    @Override
    public CompletableFuture<Void> retrying(Entry entry, String reason, long nowMillis) {
        return finish(entry, Status.RETRYING, null, reason, nowMillis);
    }

    @Override
    public CompletableFuture<Void> failed(Entry entry, String reason, long nowMillis) {
        return finish(entry, Status.FAILED, null, reason, nowMillis);
    }

    private CompletableFuture<Void> finish(Entry entry, Status status, String providerMessageId, String reason, long nowMillis) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        enqueue(new Outcome(entry, status, providerMessageId, reason, nowMillis, result));
        return result;
    }

    private void enqueue(Request request) {
        if (closed) {
            request.fail(new UnavailableException("send log: closed", null));
            return;
        }
        queue.add(request);
        if (closed && queue.remove(request)) {
            request.fail(new UnavailableException("send log: closed", null));
        }
    }

    /**
     * A writer thread: takes what has gathered in the queue and writes it, until closed. The pruner also deletes old
     * rows, a chunk at a time between batches, so that claims never wait for a long delete.
     */
    private void write(boolean pruner) {
        Connection connection = null;
        List<Request> batch = new ArrayList<>();
        long lingerNanos = options.linger().toNanos();
        long nextPrune = System.nanoTime();
        while (!closed) {
            try {
                if (pruner && !options.retention().isZero() && System.nanoTime() - nextPrune >= 0) {
                    nextPrune = System.nanoTime() + options.pruneInterval().toNanos(); // after a failure too, not at once
                    if (connection == null) {
                        connection = connect();
                    }
                    if (prune(connection, System.currentTimeMillis() - options.retention().toMillis()) == PRUNE_CHUNK) {
                        nextPrune = System.nanoTime(); // more to delete: the next chunk after the next batch
                    }
                }
                Request first = queue.poll(pruner ? Math.min(1000, options.pruneInterval().toMillis()) : 1000, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                if (batch.size() < LINGER_BATCH && lingerNanos > 0) {
                    // a statement costs PostgreSQL about the same for one row as for dozens: let more gather
                    Thread.sleep(lingerNanos / 1_000_000, (int) (lingerNanos % 1_000_000));
                    queue.drainTo(batch, MAX_BATCH - batch.size());
                }
                if (connection == null) {
                    connection = connect();
                }
                write(connection, batch);
            }
            catch (InterruptedException e) {
                break;
            }
            catch (SQLException | RuntimeException e) {
                UnavailableException failure = new UnavailableException("send log: " + e.getMessage()
                        + (e instanceof SQLException sql ? " (SQLState " + sql.getSQLState() + ")" : ""), e);
                batch.forEach(request -> request.fail(failure));
                closeQuietly(connection);
                connection = null;
            }
            finally {
                batch.clear();
            }
        }
        closeQuietly(connection);
    }

    /** Deletes up to {@value #PRUNE_CHUNK} rows last changed before the cutoff, in their own transaction. */
    private static int prune(Connection connection, long cutoffMillis) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("""
                delete from message_sends where ctid in (
                    select ctid from message_sends where updated_at < ? limit ? for update skip locked)""")) {
            delete.setObject(1, time(cutoffMillis));
            delete.setInt(2, PRUNE_CHUNK);
            int deleted = delete.executeUpdate();
            if (deleted > 0) {
                LOG.info("Send log: deleted {} rows last changed before {}", deleted, Instant.ofEpochMilli(cutoffMillis));
            }
            return deleted;
        }
    }

    private void write(Connection connection, List<Request> batch) throws SQLException {
        List<ClaimRequest> claims = new ArrayList<>();
        List<Outcome> outcomes = new ArrayList<>();
        for (Request request : batch) {
            if (request instanceof ClaimRequest claim) {
                claims.add(claim);
            }
            else {
                outcomes.add((Outcome) request);
            }
        }
        if (!claims.isEmpty()) {
            claim(connection, claims);
        }
        // one row is updated once per statement: a second outcome for the same message waits for the next round
        for (List<Outcome> round : distinctRounds(outcomes)) {
            record(connection, round);
        }
    }

    /** Claims new messages in one statement; the others (a row exists, or twice in the batch) one at a time. */
    private static void claim(Connection connection, List<ClaimRequest> claims) throws SQLException {
        List<List<ClaimRequest>> rounds = distinctRounds(claims);
        List<ClaimRequest> first = rounds.get(0);
        Set<String> inserted = new HashSet<>();
        try (PreparedStatement insert = connection.prepareStatement("""
                insert into message_sends (project_id, idempotency_key, message_id, channel, destination_hash, status, attempt, claimed_at, updated_at)
                select p, k, m, c, d, 'pending', a, to_timestamp(t / 1000.0), to_timestamp(t / 1000.0)
                from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int4[], ?::int8[]) as r(p, k, m, c, d, a, t)
                on conflict (project_id, idempotency_key) do nothing
                returning project_id, idempotency_key""")) {
            insert.setArray(1, text(connection, first, claim -> claim.entry().projectId()));
            insert.setArray(2, text(connection, first, claim -> claim.entry().idempotencyKey()));
            insert.setArray(3, text(connection, first, claim -> claim.entry().messageId()));
            insert.setArray(4, text(connection, first, claim -> claim.entry().channel()));
            insert.setArray(5, text(connection, first, claim -> claim.entry().destinationHash()));
            insert.setArray(6, connection.createArrayOf("int4", first.stream().map(ClaimRequest::attempt).toArray(Integer[]::new)));
            insert.setArray(7, connection.createArrayOf("int8", first.stream().map(ClaimRequest::nowMillis).toArray(Long[]::new)));
            try (ResultSet rows = insert.executeQuery()) {
                while (rows.next()) {
                    inserted.add(key(rows.getString(1), rows.getString(2)));
                }
            }
        }
        for (ClaimRequest claim : first) {
            if (inserted.contains(key(claim.entry()))) {
                claim.result().complete(new Claim.Send(false));
            }
        }
        for (ClaimRequest claim : claims) {
            if (!claim.result().isDone()) {
                claim.result().complete(claimExisting(connection, claim));
            }
        }
    }

    /** The claim of a message that has a row already: decide on the row, then take it over if it says so. */
    private static Claim claimExisting(Connection connection, ClaimRequest request) throws SQLException {
        Entry entry = request.entry();
        OffsetDateTime now = time(request.nowMillis());
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Row row = select(connection, entry);
            if (row == null) {
                try (PreparedStatement insert = connection.prepareStatement("""
                        insert into message_sends (project_id, idempotency_key, message_id, channel, destination_hash, status, attempt, claimed_at, updated_at)
                        values (?, ?, ?, ?, ?, 'pending', ?, ?, ?) on conflict (project_id, idempotency_key) do nothing""")) {
                    insert.setString(1, entry.projectId());
                    insert.setString(2, entry.idempotencyKey());
                    insert.setString(3, entry.messageId());
                    insert.setString(4, entry.channel());
                    insert.setString(5, entry.destinationHash());
                    insert.setInt(6, request.attempt());
                    insert.setObject(7, now);
                    insert.setObject(8, now);
                    if (insert.executeUpdate() == 1) {
                        return new Claim.Send(false);
                    }
                }
                continue; // inserted meanwhile: read it
            }
            Claim claim = SendLog.decide(row, request.nowMillis(), request.staleAfterMillis());
            if (!(claim instanceof Claim.Send)) {
                return claim;
            }
            try (PreparedStatement takeOver = connection.prepareStatement("""
                    update message_sends set status = 'pending', attempt = ?, claimed_at = ?, updated_at = ?, reason = null
                    where project_id = ? and idempotency_key = ? and status = ? and claimed_at = ?""")) {
                takeOver.setInt(1, request.attempt());
                takeOver.setObject(2, now);
                takeOver.setObject(3, now);
                takeOver.setString(4, entry.projectId());
                takeOver.setString(5, entry.idempotencyKey());
                takeOver.setString(6, row.status().wire());
                takeOver.setObject(7, time(row.claimedAtMillis()));
                if (takeOver.executeUpdate() == 1) {
                    return claim;
                }
            }
        }
        throw new SQLException("the send log row of message " + entry.messageId() + " kept changing during " + MAX_ROUNDS + " claims");
    }

    private static Row select(Connection connection, Entry entry) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "select status, attempt, claimed_at from message_sends where project_id = ? and idempotency_key = ?")) {
            select.setString(1, entry.projectId());
            select.setString(2, entry.idempotencyKey());
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                return new Row(Status.of(row.getString(1)), row.getInt(2), row.getObject(3, OffsetDateTime.class).toInstant().toEpochMilli());
            }
        }
    }

    /** Outcomes of distinct messages, in one statement. */
    private static void record(Connection connection, List<Outcome> outcomes) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("""
                update message_sends s set status = o.s, provider_message_id = coalesce(o.i, s.provider_message_id), reason = o.r,
                    updated_at = to_timestamp(o.t / 1000.0)
                from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::int8[]) as o(p, k, s, i, r, t)
                where s.project_id = o.p and s.idempotency_key = o.k""")) {
            update.setArray(1, text(connection, outcomes, outcome -> outcome.entry().projectId()));
            update.setArray(2, text(connection, outcomes, outcome -> outcome.entry().idempotencyKey()));
            update.setArray(3, text(connection, outcomes, outcome -> outcome.status().wire()));
            update.setArray(4, text(connection, outcomes, Outcome::providerMessageId));
            update.setArray(5, text(connection, outcomes, Outcome::reason));
            update.setArray(6, connection.createArrayOf("int8", outcomes.stream().map(Outcome::nowMillis).toArray(Long[]::new)));
            update.executeUpdate();
        }
        outcomes.forEach(outcome -> outcome.result().complete(null));
    }

    /** The requests in rounds in which each message appears once, in their order. */
    private static <R extends Request> List<List<R>> distinctRounds(List<R> requests) {
        List<List<R>> rounds = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (R request : requests) {
            int round = seen.merge(key(request.entry()), 0, (previous, zero) -> previous + 1);
            if (round == rounds.size()) {
                rounds.add(new ArrayList<>());
            }
            rounds.get(round).add(request);
        }
        return rounds;
    }

    private static <R> Array text(Connection connection, List<R> requests, Function<R, String> field) throws SQLException {
        return connection.createArrayOf("text", requests.stream().map(field).toArray(String[]::new));
    }

    private static String key(Entry entry) {
        return key(entry.projectId(), entry.idempotencyKey());
    }

    private static String key(String projectId, String idempotencyKey) {
        return projectId + '\u0000' + idempotencyKey;
    }

    private Connection connect() throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("logServerErrorDetail", "false");
        // the batch statements join message_sends with unnest(...): a generic plan, cached while the table was still
        // small, scans the whole table at every batch for the life of the connection (a hash join); planned for each
        // batch, they look each key up in the primary key
        properties.setProperty("options", "-c plan_cache_mode=force_custom_plan");
        return DriverManager.getConnection(jdbcUrl, properties);
    }

    private static OffsetDateTime time(long millis) {
        return Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC);
    }

    private static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        }
        catch (SQLException ignored) {
            // dropped
        }
    }

    @Override
    public void close() {
        closed = true;
        writers.forEach(Thread::interrupt);
        for (Thread writer : writers) {
            try {
                writer.join(10_000);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        UnavailableException failure = new UnavailableException("send log: closed", null);
        for (Request request = queue.poll(); request != null; request = queue.poll()) {
            request.fail(failure);
        }
        if (writers.stream().anyMatch(Thread::isAlive)) {
            LOG.warn("A send log writer did not stop within 10 s");
        }
    }
}
