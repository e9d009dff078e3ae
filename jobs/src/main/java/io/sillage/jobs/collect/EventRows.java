package io.sillage.jobs.collect;

import io.sillage.lakehouse.event.CollectedEvent;
import io.sillage.lakehouse.table.CdpTables;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.Schema;
import org.apache.iceberg.flink.FlinkSchemaUtil;

/**
 * Maps collect-job records to Flink {@link RowData} in the column order of the schemas in {@link CdpTables}.
 * The column lists below are checked against those schemas by a unit test.
 */
public final class EventRows {
    static final List<String> EVENT_COLUMNS = List.of(
            "project_id", "message_id", "type", "event", "name", "anonymous_id", "user_id", "group_id", "previous_id",
            "timestamp", "original_timestamp", "sent_at", "received_at", "source", "properties", "traits", "context", "identifier");

    static final List<String> REJECTED_COLUMNS = List.of(
            "project_id", "message_id", "reason", "field", "payload", "kafka_topic", "kafka_partition", "kafka_offset", "rejected_at");

    private EventRows() {}

    /** The event row; {@code identifier} is its most trusted identifier ({@code type:value}) or null. */
    public static RowData event(CollectedEvent e, String identifier) {
        return GenericRowData.of(
                string(e.projectId()),
                string(e.messageId()),
                string(e.type()),
                string(e.event()),
                string(e.name()),
                string(e.anonymousId()),
                string(e.userId()),
                string(e.groupId()),
                string(e.previousId()),
                timestamp(e.timestampMicros()),
                timestamp(e.originalTimestampMicros()),
                timestamp(e.sentAtMicros()),
                timestamp(e.receivedAtMicros()),
                string(e.source()),
                string(e.properties()),
                string(e.traits()),
                string(e.context()),
                string(identifier));
    }

    public static RowData rejected(RejectedRecord r) {
        return GenericRowData.of(
                string(r.projectId()),
                string(r.messageId()),
                string(r.reason()),
                string(r.field()),
                string(r.payload()),
                string(r.kafkaTopic()),
                r.kafkaPartition(),
                r.kafkaOffset(),
                timestamp(r.rejectedAtMicros()));
    }

    public static InternalTypeInfo<RowData> typeInfo(Schema schema) {
        RowType rowType = FlinkSchemaUtil.convert(schema);
        return InternalTypeInfo.of(rowType);
    }

    /**
     * The UTF-8 bytes of {@code value}, encoded by the JDK. {@link StringData#fromString} encodes lazily, when the
     * Parquet writer asks for the bytes, a character at a time (5 % of the pipeline's CPU samples); the writer takes
     * these bytes as they are.
     */
    public static StringData string(String value) {
        return value == null ? null : StringData.fromBytes(value.getBytes(StandardCharsets.UTF_8));
    }

    /** Micros since the epoch to a timestamp, null for {@link CollectedEvent#ABSENT_TIME}. */
    public static TimestampData timestamp(long micros) {
        if (micros == CollectedEvent.ABSENT_TIME) {
            return null;
        }
        return TimestampData.fromEpochMillis(Math.floorDiv(micros, 1000), (int) Math.floorMod(micros, 1000) * 1000);
    }
}
