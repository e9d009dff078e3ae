package io.sillage.api.connectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.api.db.Transactions;
import io.sillage.lakehouse.event.SegmentEvents;
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

/** {@link ConnectorStore} over the operational PostgreSQL database (table {@code connectors}, db/migration/V7__connectors.sql). */
public class PostgresConnectorStore implements ConnectorStore {
    private static final String COLUMNS = "project_id, channel, version, config, url, updated_at, deleted_at is not null";

    private final Transactions database;

    public PostgresConnectorStore(DataSource dataSource) {
        this.database = new Transactions(dataSource);
    }

    @Override
    public Connector put(String projectId, String channel, ConnectorSettings settings, Instant at, Consumer<Connector> beforeCommit) {
        return database.inTransaction("store a connector", connection -> {
            Connector stored;
            try (PreparedStatement upsert = connection.prepareStatement("insert into connectors (project_id, channel, version, config, url, created_at, updated_at) "
                    + "values (?, ?, 1, cast(? as json), ?, ?, ?) on conflict (project_id, channel) do update set version = connectors.version + 1, "
                    + "config = excluded.config, url = excluded.url, updated_at = excluded.updated_at, deleted_at = null returning " + COLUMNS)) {
                upsert.setString(1, projectId);
                upsert.setString(2, channel);
                upsert.setString(3, json(settings.config()));
                upsert.setString(4, settings.url());
                upsert.setObject(5, timestamp(at));
                upsert.setObject(6, timestamp(at));
                stored = Transactions.first(upsert, PostgresConnectorStore::connector).orElseThrow();
            }
            beforeCommit.accept(stored);
            return stored;
        });
    }

    @Override
    public Optional<Connector> find(String projectId, String channel) {
        return database.read("find a connector", connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "select " + COLUMNS + " from connectors where project_id = ? and channel = ? and deleted_at is null")) {
                select.setString(1, projectId);
                select.setString(2, channel);
                return Transactions.first(select, PostgresConnectorStore::connector);
            }
        });
    }

    @Override
    public List<Connector> list(String projectId) {
        return database.read("list connectors", connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "select " + COLUMNS + " from connectors where project_id = ? and deleted_at is null order by channel")) {
                select.setString(1, projectId);
                return Transactions.all(select, PostgresConnectorStore::connector);
            }
        });
    }

    @Override
    public Optional<Connector> delete(String projectId, String channel, Instant at, Consumer<Connector> beforeCommit) {
        return database.inTransaction("delete a connector", connection -> {
            Optional<Connector> deleted;
            try (PreparedStatement update = connection.prepareStatement("update connectors set version = version + 1, updated_at = ?, deleted_at = ? "
                    + "where project_id = ? and channel = ? and deleted_at is null returning " + COLUMNS)) {
                update.setObject(1, timestamp(at));
                update.setObject(2, timestamp(at));
                update.setString(3, projectId);
                update.setString(4, channel);
                deleted = Transactions.first(update, PostgresConnectorStore::connector);
            }
            deleted.ifPresent(beforeCommit);
            return deleted;
        });
    }

    @Override
    public List<Connector> all() {
        return database.read("list every connector", connection -> {
            try (PreparedStatement select = connection.prepareStatement("select " + COLUMNS + " from connectors where deleted_at is null order by project_id, channel")) {
                return Transactions.all(select, PostgresConnectorStore::connector);
            }
        });
    }

    private static Connector connector(ResultSet rows) throws SQLException {
        ObjectNode config;
        try {
            config = (ObjectNode) SegmentEvents.mapper().readTree(rows.getString(4));
        }
        catch (JsonProcessingException | ClassCastException e) {
            throw new SQLException("A stored connector configuration is not a JSON object", e);
        }
        return new Connector(rows.getString(1), rows.getString(2), rows.getInt(3), config, rows.getString(5),
                rows.getObject(6, OffsetDateTime.class).toInstant(), rows.getBoolean(7));
    }

    private static OffsetDateTime timestamp(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static String json(ObjectNode node) {
        try {
            return SegmentEvents.mapper().writeValueAsString(node);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot encode a connector configuration", e);
        }
    }
}
