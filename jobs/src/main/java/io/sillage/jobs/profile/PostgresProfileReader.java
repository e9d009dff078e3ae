package io.sillage.jobs.profile;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ProfileReader} over PostgreSQL {@code profile_view}: one connection, opened on first use and again after a
 * failure; a failed query is retried with a backoff (200 ms doubling to 10 s). Not thread-safe: one per operator
 * instance.
 */
public final class PostgresProfileReader implements ProfileReader {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresProfileReader.class);
    private static final int MAX_HOPS = 16;

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private Connection connection;
    private PreparedStatement select;

    private PostgresProfileReader(String jdbcUrl, String user, String password) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
    }

    public static Factory factory(String jdbcUrl, String user, String password) {
        return () -> new PostgresProfileReader(jdbcUrl, user, password);
    }

    @Override
    public Stored read(String projectId, String profileId) throws InterruptedException {
        long backoff = 200;
        while (true) {
            try {
                return resolve(projectId, profileId);
            }
            catch (SQLException e) {
                LOG.warn("Serving store lookup failed (SQLState {}); retrying in {} ms", e.getSQLState(), backoff);
                close();
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    private Stored resolve(String projectId, String profileId) throws SQLException {
        if (select == null) {
            Properties properties = new Properties();
            properties.setProperty("user", user);
            properties.setProperty("password", password);
            properties.setProperty("logServerErrorDetail", "false");
            connection = DriverManager.getConnection(jdbcUrl, properties);
            select = connection.prepareStatement("select merged_into, document::text from profile_view where project_id = ? and profile_id = ?");
        }
        String current = profileId;
        for (int hop = 0; hop < MAX_HOPS; hop++) {
            select.setString(1, projectId);
            select.setString(2, current);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                String mergedInto = row.getString(1);
                if (mergedInto == null) {
                    return new Stored(current, row.getString(2));
                }
                current = mergedInto;
            }
        }
        return null;
    }

    @Override
    public void close() {
        try {
            if (connection != null) {
                connection.close();
            }
        }
        catch (SQLException ignored) {
            // replaced on the next attempt
        }
        connection = null;
        select = null;
    }
}
