package io.sillage.jobs.messaging;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * The {@link SendLog} in PostgreSQL table {@code message_sends} (created by the API's migration
 * {@code V6__message_sends.sql}). Statements auto-commit; a claim is an {@code insert ... on conflict do nothing},
 * then, for an existing row, a compare-and-set {@code update} on its status and claim time, so two attempts racing
 * for one message cannot both win. At most {@code connections} connections, opened on demand and dropped after a
 * failure.
 */
public final class PostgresSendLog implements SendLog {
    private static final int MAX_ROUNDS = 5;

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final Semaphore slots;
    private final Queue<Connection> idle = new ConcurrentLinkedQueue<>();

    private PostgresSendLog(String jdbcUrl, String user, String password, int connections) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.slots = new Semaphore(connections);
    }

    public static Factory factory(String jdbcUrl, String user, String password, int connections) {
        return () -> new PostgresSendLog(jdbcUrl, user, password, connections);
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    @Override
    public Claim claim(Entry entry, int attempt, long nowMillis, long staleAfterMillis) {
        return withConnection(connection -> {
            OffsetDateTime now = time(nowMillis);
            for (int round = 0; round < MAX_ROUNDS; round++) {
                try (PreparedStatement insert = connection.prepareStatement("""
                        insert into message_sends (project_id, idempotency_key, message_id, channel, destination_hash, status, attempt, claimed_at, updated_at)
                        values (?, ?, ?, ?, ?, 'pending', ?, ?, ?) on conflict (project_id, idempotency_key) do nothing""")) {
                    insert.setString(1, entry.projectId());
                    insert.setString(2, entry.idempotencyKey());
                    insert.setString(3, entry.messageId());
                    insert.setString(4, entry.channel());
                    insert.setString(5, entry.destinationHash());
                    insert.setInt(6, attempt);
                    insert.setObject(7, now);
                    insert.setObject(8, now);
                    if (insert.executeUpdate() == 1) {
                        return new Claim.Send(false);
                    }
                }
                Row row = select(connection, entry);
                if (row == null) {
                    continue; // removed meanwhile: insert again
                }
                Claim claim = SendLog.decide(row, nowMillis, staleAfterMillis);
                if (!(claim instanceof Claim.Send)) {
                    return claim;
                }
                try (PreparedStatement takeOver = connection.prepareStatement("""
                        update message_sends set status = 'pending', attempt = ?, claimed_at = ?, updated_at = ?, reason = null
                        where project_id = ? and idempotency_key = ? and status = ? and claimed_at = ?""")) {
                    takeOver.setInt(1, attempt);
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
        });
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

    @Override
    public void sent(Entry entry, String providerMessageId, String reason, long nowMillis) {
        finish(entry, Status.SENT, providerMessageId, reason, nowMillis);
    }

    @Override
    public void retrying(Entry entry, String reason, long nowMillis) {
        finish(entry, Status.RETRYING, null, reason, nowMillis);
    }

    @Override
    public void failed(Entry entry, String reason, long nowMillis) {
        finish(entry, Status.FAILED, null, reason, nowMillis);
    }

    private void finish(Entry entry, Status status, String providerMessageId, String reason, long nowMillis) {
        withConnection(connection -> {
            try (PreparedStatement update = connection.prepareStatement("""
                    update message_sends set status = ?, provider_message_id = coalesce(?, provider_message_id), reason = ?, updated_at = ?
                    where project_id = ? and idempotency_key = ?""")) {
                update.setString(1, status.wire());
                update.setString(2, providerMessageId);
                update.setString(3, reason);
                update.setObject(4, time(nowMillis));
                update.setString(5, entry.projectId());
                update.setString(6, entry.idempotencyKey());
                return update.executeUpdate();
            }
        });
    }

    private <T> T withConnection(Work<T> work) {
        slots.acquireUninterruptibly();
        Connection connection = idle.poll();
        try {
            if (connection == null) {
                Properties properties = new Properties();
                properties.setProperty("user", user);
                properties.setProperty("password", password);
                properties.setProperty("logServerErrorDetail", "false");
                connection = DriverManager.getConnection(jdbcUrl, properties);
            }
            T result = work.run(connection);
            idle.add(connection);
            connection = null;
            return result;
        }
        catch (SQLException e) {
            throw new UnavailableException("send log: " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
        }
        finally {
            if (connection != null) {
                closeQuietly(connection);
            }
            slots.release();
        }
    }

    private static OffsetDateTime time(long millis) {
        return Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC);
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        }
        catch (SQLException ignored) {
            // dropped
        }
    }

    @Override
    public void close() {
        for (Connection connection = idle.poll(); connection != null; connection = idle.poll()) {
            closeQuietly(connection);
        }
    }
}
