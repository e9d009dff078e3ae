package io.sillage.jobs.messaging;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON records of the activation job's own topics: rendered messages waiting for their next attempt on the retry
 * topic (keyed by {@link Delivery#key()}), and dead letters (rejected requests and undeliverable messages). A
 * connector configuration is never written: routing adds the current one when a retry comes back.
 */
public final class DeliveryRecords {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryRecords.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> TEXTS = new TypeReference<>() {};

    private DeliveryRecords() {}

    static ObjectNode json(Delivery delivery) {
        ObjectNode node = JSON.createObjectNode();
        node.put("messageId", delivery.messageId);
        node.put("idempotencyKey", delivery.idempotencyKey);
        node.put("projectId", delivery.projectId);
        node.put("profileId", delivery.profileId);
        node.put("channel", delivery.channel);
        node.put("audience", delivery.audience);
        node.put("sourceType", delivery.sourceType);
        node.put("sourceId", delivery.sourceId);
        node.put("sourceVersion", delivery.sourceVersion);
        node.put("variant", delivery.variant);
        node.put("templateId", delivery.templateId);
        node.put("templateVersion", delivery.templateVersion);
        node.put("destination", delivery.destination);
        node.put("destinationHash", delivery.destinationHash);
        node.set("parts", JSON.valueToTree(delivery.parts));
        node.set("headers", JSON.valueToTree(delivery.headers));
        node.put("attempt", delivery.attempt);
        node.put("queuedAt", Instant.ofEpochMilli(delivery.queuedAtMillis).toString());
        return node;
    }

    static Delivery delivery(JsonNode node) {
        Delivery delivery = new Delivery();
        delivery.messageId = node.path("messageId").asText(null);
        delivery.idempotencyKey = node.path("idempotencyKey").asText(null);
        delivery.projectId = node.path("projectId").asText(null);
        delivery.profileId = node.path("profileId").asText(null);
        delivery.channel = node.path("channel").asText(null);
        delivery.audience = node.path("audience").asText(null);
        delivery.sourceType = node.path("sourceType").asText(null);
        delivery.sourceId = node.path("sourceId").asText(null);
        delivery.sourceVersion = node.path("sourceVersion").asInt(0);
        delivery.variant = node.path("variant").asText(null);
        delivery.templateId = node.path("templateId").asText(null);
        delivery.templateVersion = node.path("templateVersion").asInt(0);
        delivery.destination = node.path("destination").asText(null);
        delivery.destinationHash = node.path("destinationHash").asText(null);
        delivery.parts = node.path("parts").isObject() ? JSON.convertValue(node.get("parts"), TEXTS) : null;
        delivery.headers = node.path("headers").isObject() ? JSON.convertValue(node.get("headers"), TEXTS) : null;
        delivery.attempt = node.path("attempt").asInt(1);
        delivery.queuedAtMillis = Instant.parse(node.path("queuedAt").asText()).toEpochMilli();
        return delivery;
    }

    /** Writes waiting messages to the retry topic. */
    public static final class RetrySerializer implements KafkaRecordSerializationSchema<Delivery> {
        private final String topic;

        public RetrySerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(Delivery delivery, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, null, timestamp, delivery.key().getBytes(StandardCharsets.UTF_8),
                    json(delivery).toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Reads the retry topic; a record that is not a rendered message is logged (by offset) and skipped. */
    public static final class RetryDeserializer implements KafkaRecordDeserializationSchema<Delivery> {
        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Delivery> out) {
            if (record.value() == null) {
                return;
            }
            try {
                Delivery delivery = delivery(JSON.readTree(record.value()));
                if (delivery.messageId == null || delivery.projectId == null || delivery.idempotencyKey == null || delivery.channel == null
                        || delivery.destination == null || delivery.parts == null) {
                    LOG.warn("Skipping retry record at offset {}: not a rendered message", record.offset());
                    return;
                }
                out.collect(delivery);
            }
            catch (IOException | RuntimeException e) {
                LOG.warn("Skipping retry record at offset {}: not a rendered message", record.offset());
            }
        }

        @Override
        public TypeInformation<Delivery> getProducedType() {
            return TypeInformation.of(Delivery.class);
        }
    }

    /** A dead letter for a message whose every attempt failed temporarily: the reason and the message, to send again by hand. */
    static String deadLetter(SendResult result) {
        ObjectNode node = JSON.createObjectNode();
        node.put("kind", "undeliverable");
        node.put("reason", result.reason);
        node.put("at", Instant.ofEpochMilli(result.completedAtMillis).toString());
        node.set("message", json(result.delivery));
        return node.toString();
    }

    /** A dead letter for a record of the activations topic that is not an activation request. */
    static String deadLetter(RejectedActivation rejected) {
        ObjectNode node = JSON.createObjectNode();
        node.put("kind", "rejected_request");
        node.put("reason", rejected.reason());
        node.put("at", Instant.ofEpochMilli(rejected.rejectedAtMillis()).toString());
        node.put("topic", rejected.kafkaTopic());
        node.put("partition", rejected.kafkaPartition());
        node.put("offset", rejected.kafkaOffset());
        node.put("payload", rejected.payload());
        return node.toString();
    }
}
