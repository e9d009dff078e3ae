package io.sillage.api.automations;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes automation records to the compacted automations topic with an idempotent producer and
 * {@code acks=all}, one at a time, waiting for each acknowledgement: a change is only committed to PostgreSQL
 * once Kafka has it.
 */
public class KafkaAutomationPublisher implements AutomationPublisher {
    private static final long DELIVERY_TIMEOUT_MS = 15_000;

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;

    public KafkaAutomationPublisher(String bootstrapServers, String topic) {
        this.topic = requireNonNull(topic, "topic is null");
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT_MS,
                ProducerConfig.CLIENT_ID_CONFIG, "sillage-automations-api"),
                new StringSerializer(), new ByteArraySerializer());
    }

    @Override
    public void publish(Automation automation) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, AutomationMessages.key(automation), AutomationMessages.value(automation));
        try {
            producer.send(record).get(DELIVERY_TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("Interrupted while publishing automation " + automation.id(), e);
        }
        catch (ExecutionException e) {
            throw new PublishException("Kafka did not store automation " + automation.id() + " on " + topic + ": " + e.getCause().getMessage(), e.getCause());
        }
        catch (TimeoutException | RuntimeException e) {
            throw new PublishException("Kafka did not acknowledge automation " + automation.id() + " on " + topic + " in time", e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
