package io.sillage.api.messaging;

import static java.util.Objects.requireNonNull;

import io.sillage.api.connectors.Connector;
import io.sillage.api.kafka.AcknowledgedProducer;
import io.sillage.api.templates.MessageTemplate;
import io.sillage.api.templates.Snippet;

/** {@link MessagingPublisher} to the compacted topics, waiting for each acknowledgement. */
public class KafkaMessagingPublisher implements MessagingPublisher {
    private final AcknowledgedProducer producer;
    private final String templatesTopic;
    private final String connectorsTopic;

    public KafkaMessagingPublisher(String bootstrapServers, String templatesTopic, String connectorsTopic) {
        this.templatesTopic = requireNonNull(templatesTopic, "templatesTopic is null");
        this.connectorsTopic = requireNonNull(connectorsTopic, "connectorsTopic is null");
        this.producer = new AcknowledgedProducer(bootstrapServers, "sillage-messaging-api");
    }

    @Override
    public void template(MessageTemplate template) {
        send(templatesTopic, MessagingRecords.template(template), "template " + template.id());
    }

    @Override
    public void templateDeleted(String projectId, String templateId) {
        send(templatesTopic, MessagingRecords.templateDeleted(projectId, templateId), "the deletion of template " + templateId);
    }

    @Override
    public void snippet(Snippet snippet) {
        send(templatesTopic, MessagingRecords.snippet(snippet), "snippet " + snippet.name());
    }

    @Override
    public void snippetDeleted(String projectId, String name) {
        send(templatesTopic, MessagingRecords.snippetDeleted(projectId, name), "the deletion of snippet " + name);
    }

    @Override
    public void connector(Connector connector) {
        send(connectorsTopic, MessagingRecords.connector(connector), "the " + connector.channel() + " connector of " + connector.projectId());
    }

    private void send(String topic, MessagingRecords.Record record, String what) {
        producer.send(topic, record.key(), record.value(), what);
    }

    @Override
    public void close() {
        producer.close();
    }
}
