package io.sillage.jobs.collect;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.lakehouse.event.SegmentEvents;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.flink.api.common.serialization.SerializationSchema;
import java.time.temporal.ChronoUnit;

/** JSON shape of a dead letter on the dead-letter topic: the reason, where the record came from, and the payload. */
final class DeadLetters {
    private DeadLetters() {}

    /** Value serializer of the dead-letter topic. */
    static final class Serializer implements SerializationSchema<RejectedRecord> {
        @Override
        public byte[] serialize(RejectedRecord record) {
            return toJson(record).getBytes(StandardCharsets.UTF_8);
        }
    }

    static String toJson(RejectedRecord record) {
        ObjectNode node = SegmentEvents.mapper().createObjectNode();
        node.put("reason", record.reason());
        node.put("field", record.field());
        node.put("projectId", record.projectId());
        node.put("messageId", record.messageId());
        node.put("topic", record.kafkaTopic());
        node.put("partition", record.kafkaPartition());
        node.put("offset", record.kafkaOffset());
        node.put("rejectedAt", Instant.EPOCH.plus(record.rejectedAtMicros(), ChronoUnit.MICROS).toString());
        node.put("payload", record.payload());
        return node.toString();
    }
}
