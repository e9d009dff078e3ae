package io.sillage.api.http;

import io.sillage.api.connectors.Connector;
import io.sillage.api.kafka.PublishException;
import io.sillage.api.messaging.MessagingPublisher;
import io.sillage.api.messaging.MessagingRecords;
import io.sillage.api.templates.MessageTemplate;
import io.sillage.api.templates.Snippet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Keeps the records it would publish (key and JSON value, as MessagingRecords encodes them); can be made to fail like a Kafka outage. */
final class RecordingMessagingPublisher implements MessagingPublisher {
    record Published(String key, String value) {}

    private final List<Published> published = new ArrayList<>();
    private volatile boolean failing;

    void failing(boolean failing) {
        this.failing = failing;
    }

    synchronized List<Published> published() {
        return List.copyOf(published);
    }

    @Override
    public void template(MessageTemplate template) {
        record(MessagingRecords.template(template));
    }

    @Override
    public void templateDeleted(String projectId, String templateId) {
        record(MessagingRecords.templateDeleted(projectId, templateId));
    }

    @Override
    public void snippet(Snippet snippet) {
        record(MessagingRecords.snippet(snippet));
    }

    @Override
    public void snippetDeleted(String projectId, String name) {
        record(MessagingRecords.snippetDeleted(projectId, name));
    }

    @Override
    public void connector(Connector connector) {
        record(MessagingRecords.connector(connector));
    }

    private synchronized void record(MessagingRecords.Record record) {
        if (failing) {
            throw new PublishException("Kafka did not acknowledge " + record.key(), new IllegalStateException("the event bus is down"));
        }
        published.add(new Published(record.key(), new String(record.value(), StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {}
}
