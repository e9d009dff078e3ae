package io.sillage.api.http;

import io.sillage.api.connectors.Connector;
import io.sillage.api.connectors.ConnectorStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/** Connectors in a map keyed by project and channel; a deleted one keeps its version, like the table. */
final class InMemoryConnectorStore implements ConnectorStore {
    private final Map<String, Connector> connectors = new TreeMap<>();

    @Override
    public synchronized Connector put(String projectId, String channel, ConnectorSettings settings, Instant at, Consumer<Connector> beforeCommit) {
        Connector current = connectors.get(projectId + "/" + channel);
        Connector stored = new Connector(projectId, channel, current == null ? 1 : current.version() + 1, settings.config().deepCopy(), settings.url(), at, false);
        beforeCommit.accept(stored);
        connectors.put(projectId + "/" + channel, stored);
        return stored;
    }

    @Override
    public synchronized Optional<Connector> find(String projectId, String channel) {
        return Optional.ofNullable(connectors.get(projectId + "/" + channel)).filter(connector -> !connector.deleted());
    }

    @Override
    public synchronized List<Connector> list(String projectId) {
        return connectors.values().stream().filter(connector -> connector.projectId().equals(projectId) && !connector.deleted()).toList();
    }

    @Override
    public synchronized Optional<Connector> delete(String projectId, String channel, Instant at, Consumer<Connector> beforeCommit) {
        return find(projectId, channel).map(current -> {
            Connector deleted = new Connector(projectId, channel, current.version() + 1, current.config(), current.url(), at, true);
            beforeCommit.accept(deleted);
            connectors.put(projectId + "/" + channel, deleted);
            return deleted;
        });
    }

    @Override
    public synchronized List<Connector> all() {
        return connectors.values().stream().filter(connector -> !connector.deleted()).toList();
    }
}
