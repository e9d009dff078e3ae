package io.sillage.api.projects;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/** {@link ProjectStore} over the operational PostgreSQL database (schema in db/migration). */
public class PostgresProjectStore implements ProjectStore {
    public static final Set<String> SOURCES = Set.of("ios", "android", "web", "server");

    private final DataSource dataSource;

    public PostgresProjectStore(DataSource dataSource) {
        this.dataSource = requireNonNull(dataSource, "dataSource is null");
    }

    @Override
    public ProjectCredentials create(String name, String source) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}")) {
            throw new IllegalArgumentException("Invalid project name '" + name + "': use 1 to 63 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit");
        }
        if (source != null && !SOURCES.contains(source)) {
            throw new IllegalArgumentException("Invalid source '" + source + "': expected one of " + SOURCES);
        }
        ProjectCredentials credentials = new ProjectCredentials(Keys.projectId(), name, Keys.writeKey(), Keys.apiKey());
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                update(connection, "insert into projects (id, name) values (?, ?)", credentials.projectId(), name);
                update(connection, "insert into write_keys (write_key, project_id, source) values (?, ?, ?)", credentials.writeKey(), credentials.projectId(), source);
                update(connection, "insert into api_keys (key_hash, key_prefix, project_id) values (?, ?, ?)",
                        Keys.sha256(credentials.apiKey()), credentials.apiKey().substring(0, 7), credentials.projectId());
                connection.commit();
            }
            catch (SQLException e) {
                connection.rollback();
                if ("23505".equals(e.getSQLState())) {
                    throw new IllegalArgumentException("Project '" + name + "' already exists: choose another name", e);
                }
                throw e;
            }
        }
        catch (SQLException e) {
            throw new IllegalStateException("Cannot create project: " + e.getMessage(), e);
        }
        return credentials;
    }

    @Override
    public Optional<String> findProjectIdByName(String name) {
        return queryOne("select id from projects where name = ?", name);
    }

    @Override
    public Optional<WriteKeyOwner> findWriteKey(String writeKey) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement("select project_id, source from write_keys where write_key = ? and revoked_at is null")) {
            statement.setString(1, writeKey);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(new WriteKeyOwner(rows.getString(1), rows.getString(2))) : Optional.empty();
            }
        }
        catch (SQLException e) {
            throw new IllegalStateException("Cannot look up write key: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<String> findProjectByApiKey(String apiKey) {
        return queryOne("select project_id from api_keys where key_hash = ? and revoked_at is null", Keys.sha256(apiKey));
    }

    private Optional<String> queryOne(String sql, String parameter) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(rows.getString(1)) : Optional.empty();
            }
        }
        catch (SQLException e) {
            throw new IllegalStateException("Query on the operational database failed: " + e.getMessage(), e);
        }
    }

    private static void update(Connection connection, String sql, String... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            statement.executeUpdate();
        }
    }
}
