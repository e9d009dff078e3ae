package io.sillage.jobs.automation;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What a fired automation instance asks the messaging layer to send: written to {@code cdp.activations}, keyed
 * by profile, with an idempotency key (automation, version, instance) so that a consumer can also deduplicate.
 * Flink writes it with {@link ActivationRequestSerializer}.
 */
@TypeInfo(ActivationRequestSerializer.Factory.class)
public class ActivationRequest {
    public String idempotencyKey;
    public String projectId;
    public String automationId;
    public int automationVersion;
    public String instanceId;
    public String profileId;
    public String identifier;
    public String channel;
    public String template;
    public String variant;
    /** marketing or transactional. */
    public String audience;
    /** The entry event: name, messageId, properties (JSON text) for personalization. */
    public String entryEvent;
    public String entryMessageId;
    public String entryProperties;
    public long deadlineMillis;
    public long firedAtMillis;

    public ActivationRequest() {}

    public byte[] toJson() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
            try (JsonGenerator json = Serializer.JSON.getFactory().createGenerator(bytes)) {
                json.writeStartObject();
                json.writeStringField("idempotencyKey", idempotencyKey);
                json.writeStringField("projectId", projectId);
                json.writeStringField("automationId", automationId);
                json.writeNumberField("automationVersion", automationVersion);
                json.writeStringField("instanceId", instanceId);
                json.writeStringField("profileId", profileId);
                json.writeStringField("identifier", identifier);
                json.writeObjectFieldStart("action");
                json.writeStringField("channel", channel);
                json.writeStringField("template", template);
                json.writeStringField("variant", variant);
                json.writeEndObject();
                json.writeStringField("audience", audience);
                json.writeObjectFieldStart("entry");
                json.writeStringField("event", entryEvent);
                json.writeStringField("messageId", entryMessageId);
                json.writeFieldName("properties");
                if (entryProperties == null) {
                    json.writeNull();
                }
                else {
                    json.writeRawValue(entryProperties);
                }
                json.writeEndObject();
                json.writeStringField("sendAt", Instant.ofEpochMilli(deadlineMillis).toString());
                json.writeStringField("firedAt", Instant.ofEpochMilli(firedAtMillis).toString());
                json.writeEndObject();
            }
            return bytes.toByteArray();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** JSON values keyed by project and profile, so one person's requests stay in order on one partition. */
    public static final class Serializer implements KafkaRecordSerializationSchema<ActivationRequest> {
        static final ObjectMapper JSON = new ObjectMapper();
        private final String topic;

        public Serializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(ActivationRequest request, KafkaSinkContext context, Long timestamp) {
            byte[] key = (request.projectId + '/' + request.profileId).getBytes(StandardCharsets.UTF_8);
            return new ProducerRecord<>(topic, null, timestamp, key, request.toJson());
        }
    }
}
