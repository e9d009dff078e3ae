package io.sillage.api.profiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.lakehouse.event.SegmentEvents;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import static java.util.Objects.requireNonNull;

/**
 * {@link ProfileEvents} over {@code lakehouse.cdp.events} through Trino: the events whose anchor identifier
 * ({@code events.identifier}) is one of the profile's identifiers, so events sent before a merge belong to the
 * surviving profile. Every value is a bound parameter.
 */
public final class TrinoProfileEvents implements ProfileEvents {
    private final String jdbcUrl;
    private final String user;

    public TrinoProfileEvents(String jdbcUrl, String user) {
        this.jdbcUrl = requireNonNull(jdbcUrl, "jdbcUrl is null");
        this.user = requireNonNull(user, "user is null");
    }

    @Override
    public Page page(Query query) {
        StringBuilder sql = new StringBuilder("""
                select message_id, type, event, name, "timestamp", received_at, source, anonymous_id, user_id, identifier, properties, traits, context
                from lakehouse.cdp.events
                where project_id = ? and identifier in (""");
        List<Object> parameters = new ArrayList<>();
        parameters.add(query.projectId());
        for (int i = 0; i < query.identifiers().size(); i++) {
            sql.append(i == 0 ? "?" : ", ?");
            parameters.add(query.identifiers().get(i));
        }
        sql.append(')');
        query.event().ifPresent(event -> {
            sql.append(" and event = ?");
            parameters.add(event);
        });
        query.type().ifPresent(type -> {
            sql.append(" and type = ?");
            parameters.add(type);
        });
        query.after().ifPresent(cursor -> {
            String at = Instant.ofEpochSecond(Math.floorDiv(cursor.timestampMicros(), 1_000_000), Math.floorMod(cursor.timestampMicros(), 1_000_000) * 1000L).toString();
            sql.append(" and (\"timestamp\" < from_iso8601_timestamp(?) or (\"timestamp\" = from_iso8601_timestamp(?) and message_id < ?))");
            parameters.add(at);
            parameters.add(at);
            parameters.add(cursor.messageId());
        });
        sql.append(" order by \"timestamp\" desc, message_id desc limit ").append(query.limit() + 1);

        Properties properties = new Properties();
        properties.setProperty("user", user);
        try (Connection connection = DriverManager.getConnection(jdbcUrl, properties);
                PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            for (int i = 0; i < parameters.size(); i++) {
                statement.setObject(i + 1, parameters.get(i));
            }
            List<ObjectNode> events = new ArrayList<>();
            Cursor last = null;
            boolean more = false;
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    if (events.size() == query.limit()) {
                        more = true;
                        break;
                    }
                    Instant timestamp = rows.getTimestamp("timestamp").toInstant();
                    ObjectNode event = SegmentEvents.mapper().createObjectNode();
                    event.put("messageId", rows.getString("message_id"));
                    event.put("type", rows.getString("type"));
                    event.put("event", rows.getString("event"));
                    event.put("name", rows.getString("name"));
                    event.put("timestamp", timestamp.toString());
                    event.put("receivedAt", rows.getTimestamp("received_at").toInstant().toString());
                    event.put("source", rows.getString("source"));
                    event.put("anonymousId", rows.getString("anonymous_id"));
                    event.put("userId", rows.getString("user_id"));
                    event.put("identifier", rows.getString("identifier"));
                    event.set("properties", json(rows.getString("properties")));
                    event.set("traits", json(rows.getString("traits")));
                    event.set("context", json(rows.getString("context")));
                    events.add(event);
                    last = new Cursor(timestamp.getEpochSecond() * 1_000_000 + timestamp.getNano() / 1000, rows.getString("message_id"));
                }
            }
            return new Page(events, more ? Optional.of(last) : Optional.empty());
        }
        catch (SQLException e) {
            throw new IllegalStateException("Cannot read events through Trino at " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    /** A stored JSON column as JSON; text that does not parse is returned as a string rather than lost. */
    private static JsonNode json(String text) {
        JsonNode parsed = SegmentEvents.readStoredJson(text);
        return parsed != null || text == null ? parsed : SegmentEvents.mapper().getNodeFactory().textNode(text);
    }
}
