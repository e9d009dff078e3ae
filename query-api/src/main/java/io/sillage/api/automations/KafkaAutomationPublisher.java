package io.sillage.api.automations;

import static java.util.Objects.requireNonNull;

import io.sillage.api.kafka.AcknowledgedProducer;

/** Publishes automation records to the compacted automations topic, waiting for each acknowledgement. */
public class KafkaAutomationPublisher implements AutomationPublisher {
    private final AcknowledgedProducer producer;
    private final String topic;

    public KafkaAutomationPublisher(String bootstrapServers, String topic) {
        this.topic = requireNonNull(topic, "topic is null");
        this.producer = new AcknowledgedProducer(bootstrapServers, "sillage-automations-api");
    }

    @Override
    public void publish(Automation automation) {
        producer.send(topic, AutomationMessages.key(automation), AutomationMessages.value(automation), "automation " + automation.id());
    }

    @Override
    public void close() {
        producer.close();
    }
}
