package io.sillage.api.automations;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.api.db.DefinitionVersion;
import io.sillage.api.db.Transactions;
import io.sillage.lakehouse.event.SegmentEvents;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sql.DataSource;

/** {@link AutomationStore} over the operational PostgreSQL database (tables in db/migration/V4__automations.sql). */
public class PostgresAutomationStore implements AutomationStore {
    private static final String COLUMNS = "id, project_id, name, status, version, definition, created_at, updated_at";

    private final Transactions database;

    public PostgresAutomationStore(DataSource dataSource) {
        this.database = new Transactions(dataSource);
    }

    @Override
    public void create(Automation automation, Consumer<Automation> beforeCommit) {
        database.inTransaction("create automation", connection -> {
            try (PreparedStatement insert = connection.prepareStatement("insert into automations (" + COLUMNS + ") values (?, ?, ?, ?, ?, cast(? as json), ?, ?)")) {
                insert.setString(1, automation.id());
                insert.setString(2, automation.projectId());
                insert.setString(3, automation.name());
                insert.setString(4, automation.status().wire());
                insert.setInt(5, automation.version());
                insert.setString(6, json(automation.definition()));
                insert.setObject(7, timestamp(automation.createdAt()));
                insert.setObject(8, timestamp(automation.updatedAt()));
                insert.executeUpdate();
            }
            insertVersion(connection, automation);
            beforeCommit.accept(automation);
            return null;
        });
    }

    @Override
    public Optional<Automation> update(String projectId, String automationId, Function<Automation, Optional<Automation>> change, Consumer<Automation> beforeCommit) {
        return database.inTransaction("update automation", connection -> {
            Optional<Automation> current;
            try (PreparedStatement select = connection.prepareStatement("select " + COLUMNS + " from automations where project_id = ? and id = ? for update")) {
                select.setString(1, projectId);
                select.setString(2, automationId);
                current = Transactions.first(select, PostgresAutomationStore::automation);
            }
            if (current.isEmpty()) {
                return Optional.empty();
            }
            Optional<Automation> changed = change.apply(current.get());
            if (changed.isEmpty()) {
                return Optional.empty();
            }
            Automation next = changed.get();
            if (!next.id().equals(automationId) || !next.projectId().equals(projectId)) {
                throw new IllegalArgumentException("An update cannot move an automation");
            }
            if (!next.equals(current.get())) {
                try (PreparedStatement update = connection.prepareStatement(
                        "update automations set name = ?, status = ?, version = ?, definition = cast(? as json), updated_at = ? where project_id = ? and id = ?")) {
                    update.setString(1, next.name());
                    update.setString(2, next.status().wire());
                    update.setInt(3, next.version());
                    update.setString(4, json(next.definition()));
                    update.setObject(5, timestamp(next.updatedAt()));
                    update.setString(6, projectId);
                    update.setString(7, automationId);
                    update.executeUpdate();
                }
                if (next.version() != current.get().version()) {
                    insertVersion(connection, next);
                }
            }
            beforeCommit.accept(next);
            return Optional.of(next);
        });
    }

    @Override
    public Optional<Automation> find(String projectId, String automationId) {
        return database.read("find automation", connection -> {
            try (PreparedStatement select = connection.prepareStatement("select " + COLUMNS + " from automations where project_id = ? and id = ?")) {
                select.setString(1, projectId);
                select.setString(2, automationId);
                return Transactions.first(select, PostgresAutomationStore::automation);
            }
        });
    }

    @Override
    public List<Automation> list(String projectId) {
        return database.read("list automations", connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "select " + COLUMNS + " from automations where project_id = ? and status <> 'deleted' order by created_at desc, id desc")) {
                select.setString(1, projectId);
                return Transactions.all(select, PostgresAutomationStore::automation);
            }
        });
    }

    @Override
    public List<DefinitionVersion> versions(String projectId, String automationId) {
        return database.read("list automation versions", connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "select v.version, v.definition, v.created_at from automation_versions v join automations a on a.id = v.automation_id "
                            + "where a.project_id = ? and a.id = ? order by v.version")) {
                select.setString(1, projectId);
                select.setString(2, automationId);
                return Transactions.all(select, rows -> new DefinitionVersion(rows.getInt(1), object(rows.getString(2)), instant(rows, 3)));
            }
        });
    }

    @Override
    public List<Automation.Key> keys() {
        return database.read("list every automation", connection -> {
            try (PreparedStatement select = connection.prepareStatement("select project_id, id from automations order by project_id, created_at, id")) {
                return Transactions.all(select, rows -> new Automation.Key(rows.getString(1), rows.getString(2)));
            }
        });
    }

    /** The version row is written through its automation's row, so the insert is scoped by project too. */
    private static void insertVersion(Connection connection, Automation automation) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "insert into automation_versions (automation_id, version, definition, created_at) "
                        + "select id, ?, cast(? as json), ? from automations where project_id = ? and id = ?")) {
            insert.setInt(1, automation.version());
            insert.setString(2, json(automation.definition()));
            insert.setObject(3, timestamp(automation.updatedAt()));
            insert.setString(4, automation.projectId());
            insert.setString(5, automation.id());
            if (insert.executeUpdate() != 1) {
                throw new SQLException("automation " + automation.id() + " vanished while storing its version " + automation.version());
            }
        }
    }

    private static Automation automation(ResultSet rows) throws SQLException {
        return new Automation(
                rows.getString("id"),
                rows.getString("project_id"),
                rows.getString("name"),
                AutomationStatus.fromWire(rows.getString("status")),
                rows.getInt("version"),
                object(rows.getString("definition")),
                instant(rows, "created_at"),
                instant(rows, "updated_at"));
    }

    private static Instant instant(ResultSet rows, String column) throws SQLException {
        return rows.getObject(column, OffsetDateTime.class).toInstant();
    }

    private static Instant instant(ResultSet rows, int column) throws SQLException {
        return rows.getObject(column, OffsetDateTime.class).toInstant();
    }

    private static OffsetDateTime timestamp(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static String json(JsonNode node) {
        try {
            return SegmentEvents.mapper().writeValueAsString(node);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot encode a definition", e);
        }
    }

    private static ObjectNode object(String json) throws SQLException {
        try {
            return (ObjectNode) SegmentEvents.mapper().readTree(json);
        }
        catch (JsonProcessingException | ClassCastException e) {
            throw new SQLException("A stored automation definition is not a JSON object", e);
        }
    }
}
