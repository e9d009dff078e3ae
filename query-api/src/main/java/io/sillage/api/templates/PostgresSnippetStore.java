package io.sillage.api.templates;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** {@link SnippetStore} over the operational PostgreSQL database (table {@code snippets}, db/migration/V5__templates.sql). */
public class PostgresSnippetStore implements SnippetStore {
    private static final String COLUMNS = "project_id, name, source, created_at, updated_at";

    private final DataSource dataSource;

    public PostgresSnippetStore(DataSource dataSource) {
        this.dataSource = requireNonNull(dataSource, "dataSource is null");
    }

    @Override
    public Stored put(String projectId, String name, String source, Instant at) {
        // xmax is 0 on a row this statement inserted, and the updating transaction's id on a row it updated
        try (Connection connection = dataSource.getConnection();
             PreparedStatement upsert = connection.prepareStatement("insert into snippets (" + COLUMNS + ") values (?, ?, ?, ?, ?) "
                     + "on conflict (project_id, name) do update set source = excluded.source, updated_at = excluded.updated_at "
                     + "returning " + COLUMNS + ", xmax = 0")) {
            upsert.setString(1, projectId);
            upsert.setString(2, name);
            upsert.setString(3, source);
            upsert.setObject(4, at.atOffset(ZoneOffset.UTC));
            upsert.setObject(5, at.atOffset(ZoneOffset.UTC));
            try (ResultSet rows = upsert.executeQuery()) {
                rows.next();
                return new Stored(snippet(rows), rows.getBoolean(6));
            }
        }
        catch (SQLException e) {
            throw new IllegalStateException("Cannot store a snippet in the operational database: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Snippet> find(String projectId, String name) {
        List<Snippet> found = select("select " + COLUMNS + " from snippets where project_id = ? and name = ?", projectId, name);
        return found.stream().findFirst();
    }

    @Override
    public List<Snippet> list(String projectId) {
        return select("select " + COLUMNS + " from snippets where project_id = ? order by name", projectId);
    }

    @Override
    public boolean delete(String projectId, String name) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement delete = connection.prepareStatement("delete from snippets where project_id = ? and name = ?")) {
            delete.setString(1, projectId);
            delete.setString(2, name);
            return delete.executeUpdate() == 1;
        }
        catch (SQLException e) {
            throw new IllegalStateException("Cannot delete a snippet in the operational database: " + e.getMessage(), e);
        }
    }

    private List<Snippet> select(String sql, String... parameters) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                select.setString(i + 1, parameters[i]);
            }
            List<Snippet> snippets = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    snippets.add(snippet(rows));
                }
            }
            return snippets;
        }
        catch (SQLException e) {
            throw new IllegalStateException("Cannot read snippets in the operational database: " + e.getMessage(), e);
        }
    }

    private static Snippet snippet(ResultSet rows) throws SQLException {
        return new Snippet(rows.getString("project_id"), rows.getString("name"), rows.getString("source"),
                rows.getObject("created_at", OffsetDateTime.class).toInstant(), rows.getObject("updated_at", OffsetDateTime.class).toInstant());
    }
}
