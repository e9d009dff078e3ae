package io.sillage.api.templates;

import io.sillage.api.db.Transactions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import javax.sql.DataSource;

/** {@link SnippetStore} over the operational PostgreSQL database (table {@code snippets}, db/migration/V5__templates.sql). */
public class PostgresSnippetStore implements SnippetStore {
    private static final String COLUMNS = "project_id, name, source, created_at, updated_at";

    private final Transactions database;

    public PostgresSnippetStore(DataSource dataSource) {
        this.database = new Transactions(dataSource);
    }

    @Override
    public Stored put(String projectId, String name, String source, Instant at, Consumer<Snippet> beforeCommit) {
        return database.inTransaction("store a snippet", connection -> {
            Stored stored;
            // xmax is 0 on a row this statement inserted, and the updating transaction's id on a row it updated
            try (PreparedStatement upsert = connection.prepareStatement("insert into snippets (" + COLUMNS + ") values (?, ?, ?, ?, ?) "
                    + "on conflict (project_id, name) do update set source = excluded.source, updated_at = excluded.updated_at "
                    + "returning " + COLUMNS + ", xmax = 0")) {
                upsert.setString(1, projectId);
                upsert.setString(2, name);
                upsert.setString(3, source);
                upsert.setObject(4, at.atOffset(ZoneOffset.UTC));
                upsert.setObject(5, at.atOffset(ZoneOffset.UTC));
                stored = Transactions.first(upsert, rows -> new Stored(snippet(rows), rows.getBoolean(6))).orElseThrow();
            }
            beforeCommit.accept(stored.snippet());
            return stored;
        });
    }

    @Override
    public Optional<Snippet> find(String projectId, String name) {
        return database.read("read a snippet", connection -> {
            try (PreparedStatement select = connection.prepareStatement("select " + COLUMNS + " from snippets where project_id = ? and name = ?")) {
                select.setString(1, projectId);
                select.setString(2, name);
                return Transactions.first(select, PostgresSnippetStore::snippet);
            }
        });
    }

    @Override
    public List<Snippet> list(String projectId) {
        return database.read("list snippets", connection -> {
            try (PreparedStatement select = connection.prepareStatement("select " + COLUMNS + " from snippets where project_id = ? order by name")) {
                select.setString(1, projectId);
                return Transactions.all(select, PostgresSnippetStore::snippet);
            }
        });
    }

    @Override
    public boolean delete(String projectId, String name, Runnable beforeCommit) {
        return database.inTransaction("delete a snippet", connection -> {
            try (PreparedStatement delete = connection.prepareStatement("delete from snippets where project_id = ? and name = ?")) {
                delete.setString(1, projectId);
                delete.setString(2, name);
                if (delete.executeUpdate() != 1) {
                    return false;
                }
            }
            beforeCommit.run();
            return true;
        });
    }

    @Override
    public List<Snippet> all() {
        return database.read("list every snippet", connection -> {
            try (PreparedStatement select = connection.prepareStatement("select " + COLUMNS + " from snippets order by project_id, name")) {
                return Transactions.all(select, PostgresSnippetStore::snippet);
            }
        });
    }

    private static Snippet snippet(ResultSet rows) throws SQLException {
        return new Snippet(rows.getString("project_id"), rows.getString("name"), rows.getString("source"),
                rows.getObject("created_at", OffsetDateTime.class).toInstant(), rows.getObject("updated_at", OffsetDateTime.class).toInstant());
    }
}
