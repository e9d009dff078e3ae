package io.sillage.api.connectors;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The connector of one channel of a project: its configuration (secrets included: never returned as it is, see
 * {@link ConnectorService#view}), for webhooks the URL messages are posted to, and a version that grows with every
 * change (the activation job opens a new connection when it sees a newer one). A deleted connector keeps its row and
 * version, so that one created again continues the count.
 */
public record Connector(String projectId, String channel, int version, ObjectNode config, String url, Instant updatedAt, boolean deleted) {
    public Connector {
        requireNonNull(projectId, "projectId is null");
        requireNonNull(channel, "channel is null");
        requireNonNull(config, "config is null");
        requireNonNull(updatedAt, "updatedAt is null");
    }
}
