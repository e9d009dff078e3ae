package io.sillage.jobs.collect;

import io.sillage.jobs.common.JobSettings;
import io.sillage.lakehouse.catalog.LakehouseConfig;
import io.sillage.lakehouse.event.CollectedEvent;
import io.sillage.lakehouse.table.CdpTables;
import io.sillage.lakehouse.table.TableDefinition;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.FlinkSink;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The collect job: raw topic -> parse and validate -> dedup by (project, messageId) -> Iceberg {@code cdp.events}.
 *
 * <ul>
 *   <li>Input: Kafka topic {@code kafka.topic.raw} (default {@code cdp.events.raw}), JSON Segment events
 *       completed by the tracking API (see {@code SegmentEvents}).</li>
 *   <li>Outputs: {@code cdp.events}; bad records to {@code cdp.rejected_events} and the dead-letter topic
 *       {@code kafka.topic.dead-letters} (default {@code cdp.events.dlq}).</li>
 *   <li>Keys and state: dedup keyed by project and messageId, one flag per key with a TTL of
 *       {@code collect.dedup-window} (default 24h).</li>
 *   <li>Guarantees: Kafka offsets live in checkpoints ({@code collect.checkpoint-interval}, default 10s) and
 *       Iceberg commits happen on checkpoint completion, so {@code events} is exactly once. The dead-letter
 *       topic is at least once; {@code rejected_events} is exactly once.</li>
 *   <li>Operator uids: {@code collect-source}, {@code collect-parse}, {@code collect-dedup}, sinks prefixed
 *       {@code collect-events-sink}, {@code collect-rejected-sink}, {@code collect-dead-letter-sink}.</li>
 * </ul>
 */
public final class CollectJob {
    public static final String JOB_NAME = "sillage-collect";

    private CollectJob() {}

    /** What {@link #buildPipeline} produces, before sinks are attached. */
    public record CollectStreams(DataStream<CollectedEvent> events, DataStream<RejectedRecord> rejected) {}

    public static void main(String[] args) throws Exception {
        JobSettings settings = JobSettings.fromArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, settings);
        env.execute(JOB_NAME);
    }

    /** Adds the whole job (real Kafka source, Iceberg and Kafka sinks) to {@code env}. */
    public static void define(StreamExecutionEnvironment env, JobSettings settings) {
        Duration checkpointInterval = settings.duration("collect.checkpoint-interval", Duration.ofSeconds(10));
        env.enableCheckpointing(checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        // records are never mutated after being emitted, so chained operators may share them
        env.getConfig().enableObjectReuse();
        String bootstrap = settings.require("kafka.bootstrap-servers");
        String rawTopic = settings.get("kafka.topic.raw", "cdp.events.raw");
        String deadLetterTopic = settings.get("kafka.topic.dead-letters", "cdp.events.dlq");

        KafkaSource<RawRecord> source = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(bootstrap)
                .setTopics(rawTopic)
                .setGroupId(settings.get("collect.consumer-group", "sillage-collect"))
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("partition.discovery.interval.ms", "60000")
                .build();
        DataStream<RawRecord> raw = env.fromSource(source, WatermarkStrategy.noWatermarks(), "raw events")
                .uid("collect-source");

        CollectStreams streams = buildPipeline(raw, settings.duration("collect.dedup-window", Duration.ofHours(24)));

        LakehouseConfig lakehouse = LakehouseConfig.fromProperties(settings.properties());
        icebergSink(streams.events().map(EventRows::event).returns(EventRows.typeInfo(CdpTables.EVENTS_SCHEMA)).name("to event rows"),
                lakehouse, CdpTables.EVENTS, "collect-events-sink");
        icebergSink(streams.rejected().map(EventRows::rejected).returns(EventRows.typeInfo(CdpTables.REJECTED_EVENTS_SCHEMA)).name("to rejected rows"),
                lakehouse, CdpTables.REJECTED_EVENTS, "collect-rejected-sink");

        KafkaSink<RejectedRecord> deadLetters = KafkaSink.<RejectedRecord>builder()
                .setBootstrapServers(bootstrap)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setRecordSerializer(KafkaRecordSerializationSchema.<RejectedRecord>builder()
                        .setTopic(deadLetterTopic)
                        .setValueSerializationSchema(new DeadLetters.Serializer())
                        .build())
                .build();
        streams.rejected().sinkTo(deadLetters).name("dead-letter topic").uid("collect-dead-letter-sink");
    }

    /** The job's logic between source and sinks; tests run it with bounded sources and collecting sinks. */
    public static CollectStreams buildPipeline(DataStream<RawRecord> raw, Duration dedupWindow) {
        SingleOutputStreamOperator<CollectedEvent> parsed = raw
                .process(new ParseEvents())
                .name("parse and validate")
                .uid("collect-parse");
        DataStream<CollectedEvent> unique = parsed
                .keyBy(CollectedEvent::dedupKey)
                .process(new DeduplicateEvents(dedupWindow))
                .name("dedup by messageId")
                .uid("collect-dedup");
        return new CollectStreams(unique, parsed.getSideOutput(ParseEvents.REJECTED));
    }

    private static void icebergSink(DataStream<RowData> rows, LakehouseConfig lakehouse, TableDefinition table, String uidPrefix) {
        CatalogLoader catalog = CatalogLoader.custom(lakehouse.catalogName(), lakehouse.icebergCatalogProperties(),
                new org.apache.hadoop.conf.Configuration(), "org.apache.iceberg.jdbc.JdbcCatalog");
        FlinkSink.forRowData(rows)
                .tableLoader(TableLoader.fromCatalog(catalog, table.identifier()))
                .uidPrefix(uidPrefix)
                .append();
    }
}
