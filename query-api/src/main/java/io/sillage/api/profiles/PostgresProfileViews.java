package io.sillage.api.profiles;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.lakehouse.event.SegmentEvents;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

import static java.util.Objects.requireNonNull;

/**
 * {@link ProfileViews} over {@code profile_identifiers} and {@code profile_view} (migration V2). The identifier
 * row names the profile the identity directory points at; a merged profile's row names the profile it went
 * into, so the lookup follows {@code merged_into} to the live one. Every query is scoped by project.
 */
public final class PostgresProfileViews implements ProfileViews {
    private static final int MAX_HOPS = 32;

    private final DataSource dataSource;

    public PostgresProfileViews(DataSource dataSource) {
        this.dataSource = requireNonNull(dataSource, "dataSource is null");
    }

    @Override
    public Optional<ObjectNode> find(String projectId, String identifier) {
        try (Connection connection = dataSource.getConnection()) {
            String profileId;
            try (PreparedStatement statement = connection.prepareStatement(
                    "select profile_id from profile_identifiers where project_id = ? and identifier = ?")) {
                statement.setString(1, projectId);
                statement.setString(2, identifier);
                try (ResultSet rows = statement.executeQuery()) {
                    if (!rows.next()) {
                        return Optional.empty();
                    }
                    profileId = rows.getString(1);
                }
            }
            return live(connection, projectId, profileId);
        }
        catch (SQLException e) {
            throw new IllegalStateException("Cannot read the profile serving store: " + e.getMessage(), e);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("A profile document in the serving store is not JSON", e);
        }
    }

    @Override
    public Optional<ObjectNode> findById(String projectId, String profileId) {
        try (Connection connection = dataSource.getConnection()) {
            return live(connection, projectId, profileId);
        }
        catch (SQLException e) {
            throw new IllegalStateException("Cannot read the profile serving store: " + e.getMessage(), e);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("A profile document in the serving store is not JSON", e);
        }
    }

    /** Follows {@code merged_into} from {@code profileId} to the live profile's document. */
    private static Optional<ObjectNode> live(Connection connection, String projectId, String profileId) throws SQLException, JsonProcessingException {
        try (PreparedStatement statement = connection.prepareStatement(
                "select merged_into, document::text from profile_view where project_id = ? and profile_id = ?")) {
            for (int hop = 0; hop < MAX_HOPS; hop++) {
                statement.setString(1, projectId);
                statement.setString(2, profileId);
                try (ResultSet rows = statement.executeQuery()) {
                    if (!rows.next()) {
                        // the identifier is linked but its profile's first snapshot is not written yet
                        return Optional.empty();
                    }
                    String mergedInto = rows.getString(1);
                    if (mergedInto == null) {
                        return Optional.of((ObjectNode) SegmentEvents.mapper().readTree(rows.getString(2)));
                    }
                    profileId = mergedInto;
                }
            }
        }
        throw new IllegalStateException("More than " + MAX_HOPS + " merges chained from one profile in project " + projectId);
    }
}
