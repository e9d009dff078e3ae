package io.sillage.api.connectors;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** Connectors in the operational database, by project and channel; every lookup is scoped by project. */
public interface ConnectorStore {
    /**
     * Stores the project's connector for the channel, live, at the version after the stored one (1 when there is
     * none), and runs {@code beforeCommit} with it before the change commits (a throw rolls it back).
     */
    Connector put(String projectId, String channel, ConnectorSettings settings, Instant at, Consumer<Connector> beforeCommit);

    /** The live connector. */
    Optional<Connector> find(String projectId, String channel);

    /** The project's live connectors, by channel. */
    List<Connector> list(String projectId);

    /** Marks the live connector deleted, at its next version; empty when there is none. */
    Optional<Connector> delete(String projectId, String channel, Instant at, Consumer<Connector> beforeCommit);

    /** Every live connector of every project: what is published again at start. */
    List<Connector> all();

    /** What a put stores. */
    record ConnectorSettings(ObjectNode config, String url) {}
}
