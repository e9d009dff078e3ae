package io.sillage.jobs.profile;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feedback topic's format: key {@code projectId|target} (so one target's messages stay in one partition, in
 * order), value the {@link StitchMessage} as JSON.
 */
public final class FeedbackSerde {
    static final ObjectMapper MAPPER = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private FeedbackSerde() {}

    public static byte[] toJson(StitchMessage message) {
        try {
            return MAPPER.writeValueAsBytes(message);
        }
        catch (IOException e) {
            throw new IllegalStateException("Cannot write a stitch message as JSON", e);
        }
    }

    public static String stateToJson(ProfileState state) {
        try {
            return MAPPER.writeValueAsString(state);
        }
        catch (IOException e) {
            throw new IllegalStateException("Cannot write a profile state as JSON", e);
        }
    }

    public static ProfileState stateFromJson(String json) {
        try {
            return MAPPER.readValue(json, ProfileState.class);
        }
        catch (IOException e) {
            throw new IllegalStateException("A merged profile's state is not readable JSON", e);
        }
    }

    public static StitchMessage fromJson(byte[] json) throws IOException {
        return MAPPER.readValue(json, StitchMessage.class);
    }

    public static class Serializer implements KafkaRecordSerializationSchema<StitchMessage> {
        private final String topic;

        public Serializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(StitchMessage message, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, message.key().getBytes(StandardCharsets.UTF_8), toJson(message));
        }
    }

    /** Skips (and counts in the log) a record that is not a stitch message, rather than failing the job. */
    public static class Deserializer implements KafkaRecordDeserializationSchema<StitchMessage> {
        private static final Logger LOG = LoggerFactory.getLogger(Deserializer.class);

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<StitchMessage> out) {
            if (record.value() == null) {
                return;
            }
            try {
                StitchMessage message = fromJson(record.value());
                if (message.kind != null && message.projectId != null && message.target != null) {
                    out.collect(message);
                    return;
                }
            }
            catch (IOException e) {
                // fall through
            }
            LOG.warn("Skipped a record of the feedback topic that is not a stitch message: {} partition {} offset {}",
                    record.topic(), record.partition(), record.offset());
        }

        @Override
        public TypeInformation<StitchMessage> getProducedType() {
            return TypeInformation.of(StitchMessage.class);
        }
    }
}
