package io.sillage.api.kafka;

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
 * Writes definition records (automations, templates, connectors) to their compacted topics one at a time with an
 * idempotent producer and {@code acks=all}, waiting for each acknowledgement: the API stores a change in PostgreSQL
 * only once Kafka has it.
 */
public final class AcknowledgedProducer implements AutoCloseable {
    private static final long DELIVERY_TIMEOUT_MS = 15_000;

    private final KafkaProducer<String, byte[]> producer;

    public AcknowledgedProducer(String bootstrapServers, String clientId) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, requireNonNull(bootstrapServers, "bootstrapServers is null"),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT_MS,
                ProducerConfig.CLIENT_ID_CONFIG, requireNonNull(clientId, "clientId is null")),
                new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Returns once the record is stored.
     *
     * @param what names the record in the error, e.g. "automation aut_..."
     * @throws PublishException when Kafka does not acknowledge it in time
     */
    public void send(String topic, String key, byte[] value, String what) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(DELIVERY_TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("Interrupted while publishing " + what, e);
        }
        catch (ExecutionException e) {
            throw new PublishException("Kafka did not store " + what + " on " + topic + ": " + e.getCause().getMessage(), e.getCause());
        }
        catch (TimeoutException | RuntimeException e) {
            throw new PublishException("Kafka did not acknowledge " + what + " on " + topic + " in time", e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
