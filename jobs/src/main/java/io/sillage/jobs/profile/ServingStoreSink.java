package io.sillage.jobs.profile;

import java.io.IOException;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static java.util.Objects.requireNonNull;

/**
 * Upserts into the PostgreSQL serving store that the Profile View API reads ({@code profile_view},
 * {@code profile_identifiers}, migration {@code V2__profile_view.sql}).
 *
 * <p>Records are buffered by key (the latest wins) and written in one batch when the buffer is full, when
 * {@code maxDelay} has passed, and at every checkpoint ({@link SinkWriter#flush}). Writes are idempotent
 * upserts, so replays after a restore converge: at least once delivery, exactly once effect. The store is a
 * cache of Flink state, so the session uses {@code synchronous_commit = off}.
 */
public class ServingStoreSink<T> implements Sink<T> {
    private static final long serialVersionUID = 1;

    /** How one kind of record is written. */
    public interface Upsert<T> extends Serializable {
        String sql();

        String key(T value);

        void bind(PreparedStatement statement, T value) throws SQLException;
    }

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final int batchSize;
    private final long maxDelayMillis;
    private final Upsert<T> upsert;

    public ServingStoreSink(String jdbcUrl, String user, String password, int batchSize, Duration maxDelay, Upsert<T> upsert) {
        this.jdbcUrl = requireNonNull(jdbcUrl, "jdbcUrl is null");
        this.user = requireNonNull(user, "user is null");
        this.password = requireNonNull(password, "password is null");
        this.batchSize = batchSize;
        this.maxDelayMillis = maxDelay.toMillis();
        this.upsert = requireNonNull(upsert, "upsert is null");
    }

    public static final Upsert<ProfileSnapshot> PROFILES = new Upsert<>() {
        @Override
        public String sql() {
            return """
                    insert into profile_view (project_id, profile_id, version, merged_into, document, updated_at)
                    values (?, ?, ?, ?, ?::json, now())
                    on conflict (project_id, profile_id) do update
                    set version = excluded.version, merged_into = excluded.merged_into, document = excluded.document, updated_at = now()
                    where profile_view.version <= excluded.version""";
        }

        @Override
        public String key(ProfileSnapshot snapshot) {
            return StitchMessage.key(snapshot.state.projectId, snapshot.state.profileId);
        }

        @Override
        public void bind(PreparedStatement statement, ProfileSnapshot snapshot) throws SQLException {
            ProfileState state = snapshot.state;
            statement.setString(1, state.projectId);
            statement.setString(2, state.profileId);
            statement.setLong(3, state.version);
            statement.setString(4, state.mergedInto);
            statement.setString(5, snapshot.document);
        }
    };

    public static final Upsert<IdentityLink> IDENTIFIERS = new Upsert<>() {
        @Override
        public String sql() {
            return """
                    insert into profile_identifiers (project_id, identifier, profile_id, updated_at) values (?, ?, ?, now())
                    on conflict (project_id, identifier) do update set profile_id = excluded.profile_id, updated_at = now()""";
        }

        @Override
        public String key(IdentityLink link) {
            return StitchMessage.key(link.projectId(), link.identifier());
        }

        @Override
        public void bind(PreparedStatement statement, IdentityLink link) throws SQLException {
            statement.setString(1, link.projectId());
            statement.setString(2, link.identifier());
            statement.setString(3, link.profileId());
        }
    };

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        return new Writer();
    }

    private final class Writer implements SinkWriter<T> {
        private final Logger log = LoggerFactory.getLogger(ServingStoreSink.class);
        private final Map<String, T> buffer = new LinkedHashMap<>();
        private Connection connection;
        private long oldestMillis;

        @Override
        public void write(T value, Context context) throws IOException {
            if (buffer.isEmpty()) {
                oldestMillis = System.currentTimeMillis();
            }
            buffer.put(upsert.key(value), value);
            if (buffer.size() >= batchSize || System.currentTimeMillis() - oldestMillis >= maxDelayMillis) {
                writeBuffer();
            }
        }

        @Override
        public void flush(boolean endOfInput) throws IOException {
            writeBuffer();
        }

        private void writeBuffer() throws IOException {
            if (buffer.isEmpty()) {
                return;
            }
            SQLException last = null;
            for (int attempt = 1; attempt <= 3; attempt++) {
                try {
                    Connection open = connection();
                    try (PreparedStatement statement = open.prepareStatement(upsert.sql())) {
                        for (T value : buffer.values()) {
                            upsert.bind(statement, value);
                            statement.addBatch();
                        }
                        statement.executeBatch();
                    }
                    open.commit();
                    buffer.clear();
                    return;
                }
                catch (SQLException e) {
                    last = e;
                    // messages of failed batches quote the rows (identifiers are personal data): log the SQLState only
                    log.warn("Writing {} records to the serving store failed (attempt {} of 3, SQLState {})", buffer.size(), attempt, e.getSQLState());
                    closeQuietly();
                }
            }
            throw new IOException("Cannot write to the serving store at " + jdbcUrl + " (SQLState " + last.getSQLState() + ")");
        }

        private Connection connection() throws SQLException {
            if (connection == null || connection.isClosed()) {
                Properties properties = new Properties();
                properties.setProperty("user", user);
                properties.setProperty("password", password);
                properties.setProperty("reWriteBatchedInserts", "true");
                properties.setProperty("logServerErrorDetail", "false");
                connection = DriverManager.getConnection(jdbcUrl, properties);
                connection.setAutoCommit(false);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("set synchronous_commit to off");
                }
                connection.commit();
            }
            return connection;
        }

        private void closeQuietly() {
            try {
                if (connection != null) {
                    connection.close();
                }
            }
            catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }

        @Override
        public void close() {
            closeQuietly();
        }
    }
}
