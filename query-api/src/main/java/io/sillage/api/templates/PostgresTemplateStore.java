package io.sillage.api.templates;

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
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/** {@link TemplateStore} over the operational PostgreSQL database (tables in db/migration/V5__templates.sql). */
public class PostgresTemplateStore implements TemplateStore {
    private static final String COLUMNS = "id, project_id, name, channel, version, definition, created_at, updated_at";

    private final Transactions database;

    public PostgresTemplateStore(DataSource dataSource) {
        this.database = new Transactions(dataSource);
    }

    @Override
    public void create(MessageTemplate template, Consumer<MessageTemplate> beforeCommit) {
        database.inTransaction("create template", connection -> {
            try (PreparedStatement insert = connection.prepareStatement("insert into templates (" + COLUMNS + ") values (?, ?, ?, ?, ?, cast(? as json), ?, ?)")) {
                insert.setString(1, template.id());
                insert.setString(2, template.projectId());
                insert.setString(3, template.name());
                insert.setString(4, template.channel());
                insert.setInt(5, template.version());
                insert.setString(6, json(template.definition()));
                insert.setObject(7, timestamp(template.createdAt()));
                insert.setObject(8, timestamp(template.updatedAt()));
                executeNamed(insert, template.name());
            }
            insertVersion(connection, template);
            beforeCommit.accept(template);
            return null;
        });
    }

    @Override
    public Optional<MessageTemplate> update(String projectId, String templateId, UnaryOperator<MessageTemplate> change,
            Consumer<MessageTemplate> beforeCommit) {
        return database.inTransaction("update template", connection -> {
            Optional<MessageTemplate> current;
            try (PreparedStatement select = connection.prepareStatement(
                    "select " + COLUMNS + " from templates where project_id = ? and id = ? and deleted_at is null for update")) {
                select.setString(1, projectId);
                select.setString(2, templateId);
                current = Transactions.first(select, PostgresTemplateStore::template);
            }
            if (current.isEmpty()) {
                return Optional.empty();
            }
            MessageTemplate next = change.apply(current.get());
            if (!next.id().equals(templateId) || !next.projectId().equals(projectId)) {
                throw new IllegalArgumentException("An update cannot move a template");
            }
            try (PreparedStatement update = connection.prepareStatement(
                    "update templates set name = ?, channel = ?, version = ?, definition = cast(? as json), updated_at = ? where project_id = ? and id = ?")) {
                update.setString(1, next.name());
                update.setString(2, next.channel());
                update.setInt(3, next.version());
                update.setString(4, json(next.definition()));
                update.setObject(5, timestamp(next.updatedAt()));
                update.setString(6, projectId);
                update.setString(7, templateId);
                executeNamed(update, next.name());
            }
            insertVersion(connection, next);
            beforeCommit.accept(next);
            return Optional.of(next);
        });
    }

    @Override
    public Optional<MessageTemplate> find(String projectId, String templateId) {
        return database.read("find template", connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "select " + COLUMNS + " from templates where project_id = ? and id = ? and deleted_at is null")) {
                select.setString(1, projectId);
                select.setString(2, templateId);
                return Transactions.first(select, PostgresTemplateStore::template);
            }
        });
    }

    @Override
    public List<MessageTemplate> list(String projectId) {
        return database.read("list templates", connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "select " + COLUMNS + " from templates where project_id = ? and deleted_at is null order by created_at desc, id desc")) {
                select.setString(1, projectId);
                return Transactions.all(select, PostgresTemplateStore::template);
            }
        });
    }

    @Override
    public List<DefinitionVersion> versions(String projectId, String templateId) {
        return database.read("list template versions", connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "select v.version, v.definition, v.created_at from template_versions v join templates t on t.id = v.template_id "
                            + "where t.project_id = ? and t.id = ? and t.deleted_at is null order by v.version")) {
                select.setString(1, projectId);
                select.setString(2, templateId);
                return Transactions.all(select, rows -> new DefinitionVersion(rows.getInt(1), object(rows.getString(2)), rows.getObject(3, OffsetDateTime.class).toInstant()));
            }
        });
    }

    @Override
    public boolean delete(String projectId, String templateId, Instant at, Runnable beforeCommit) {
        return database.inTransaction("delete template", connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "update templates set deleted_at = ? where project_id = ? and id = ? and deleted_at is null")) {
                update.setObject(1, timestamp(at));
                update.setString(2, projectId);
                update.setString(3, templateId);
                if (update.executeUpdate() != 1) {
                    return false;
                }
            }
            beforeCommit.run();
            return true;
        });
    }

    @Override
    public List<MessageTemplate> all() {
        return database.read("list every template", connection -> {
            try (PreparedStatement select = connection.prepareStatement("select " + COLUMNS + " from templates where deleted_at is null order by project_id, id")) {
                return Transactions.all(select, PostgresTemplateStore::template);
            }
        });
    }

    /** Runs an insert or update of a template's name; the unique index on live names refuses a duplicate. */
    private static void executeNamed(PreparedStatement statement, String name) throws SQLException {
        try {
            statement.executeUpdate();
        }
        catch (SQLException e) {
            if ("23505".equals(e.getSQLState()) && String.valueOf(e.getMessage()).contains("templates_live_name")) {
                throw new DuplicateTemplateNameException(name);
            }
            throw e;
        }
    }

    /** The version row is written through its template's row, so the insert is scoped by project too. */
    private static void insertVersion(Connection connection, MessageTemplate template) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "insert into template_versions (template_id, version, definition, created_at) "
                        + "select id, ?, cast(? as json), ? from templates where project_id = ? and id = ?")) {
            insert.setInt(1, template.version());
            insert.setString(2, json(template.definition()));
            insert.setObject(3, timestamp(template.updatedAt()));
            insert.setString(4, template.projectId());
            insert.setString(5, template.id());
            if (insert.executeUpdate() != 1) {
                throw new SQLException("template " + template.id() + " vanished while storing its version " + template.version());
            }
        }
    }

    private static MessageTemplate template(ResultSet rows) throws SQLException {
        return new MessageTemplate(
                rows.getString("id"),
                rows.getString("project_id"),
                rows.getString("name"),
                rows.getString("channel"),
                rows.getInt("version"),
                object(rows.getString("definition")),
                rows.getObject("created_at", OffsetDateTime.class).toInstant(),
                rows.getObject("updated_at", OffsetDateTime.class).toInstant());
    }

    private static OffsetDateTime timestamp(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static String json(JsonNode node) {
        try {
            return SegmentEvents.mapper().writeValueAsString(node);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot encode a template definition", e);
        }
    }

    private static ObjectNode object(String json) throws SQLException {
        try {
            return (ObjectNode) SegmentEvents.mapper().readTree(json);
        }
        catch (JsonProcessingException | ClassCastException e) {
            throw new SQLException("A stored template definition is not a JSON object", e);
        }
    }
}
