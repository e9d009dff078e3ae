package io.sillage.jobs.collect;

import io.sillage.jobs.common.IcebergSinks;
import io.sillage.jobs.common.JobSettings;
import io.sillage.lakehouse.catalog.LakehouseConfig;
import io.sillage.lakehouse.event.CollectedEvent;
import io.sillage.lakehouse.table.CdpTables;
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
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The collect stage: raw topic -> parse and validate -> dedup by (project, messageId). Its events continue into
 * identity and profiles ({@code PipelineJob}), which also writes them to {@code cdp.events}.
 *
 * <ul>
 *   <li>Input: Kafka topic {@code kafka.topic.raw} (default {@code cdp.events.raw}), JSON Segment events
 *       completed by the tracking API (see {@code SegmentEvents}).</li>
 *   <li>Outputs: bad records to {@code cdp.rejected_events} and the dead-letter topic
 *       {@code kafka.topic.dead-letters} (default {@code cdp.events.dlq}); accepted events to the caller.</li>
 *   <li>Keys and state: dedup keyed by project and messageId, one flag per key with a TTL of
 *       {@code collect.dedup-window} (default 24h).</li>
 *   <li>Guarantees: Kafka offsets live in checkpoints ({@code collect.checkpoint-interval}, default 10s) and
 *       Iceberg commits happen on checkpoint completion, so the tables are exactly once. The dead-letter
 *       topic is at least once.</li>
 *   <li>Operator uids: {@code collect-source}, {@code collect-parse}, {@code collect-dedup}, sinks prefixed
 *       {@code collect-rejected-sink}, {@code collect-dead-letter-sink}.</li>
 * </ul>
 */
public final class CollectJob {
    private CollectJob() {}

    /** What {@link #buildPipeline} produces, before sinks are attached. */
    public record CollectStreams(DataStream<CollectedEvent> events, DataStream<RejectedRecord> rejected) {}

    /** Adds the collect stage (real Kafka source, sinks for rejected records) to {@code env}; returns the accepted events. */
    public static DataStream<CollectedEvent> define(StreamExecutionEnvironment env, JobSettings settings) {
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
        IcebergSinks.append(streams.rejected().map(EventRows::rejected).returns(EventRows.typeInfo(CdpTables.REJECTED_EVENTS_SCHEMA)).name("to rejected rows"),
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
        return streams.events();
    }

    /** The stage's logic between source and sinks; tests run it with bounded sources and collecting sinks. */
    public static CollectStreams buildPipeline(DataStream<RawRecord> raw, Duration dedupWindow) {
        SingleOutputStreamOperator<CollectedEvent> parsed = raw
                .process(new ParseEvents())
                .returns(CollectedEventSerializer.TYPE_INFO)
                .name("parse and validate")
                .uid("collect-parse");
        DataStream<CollectedEvent> unique = parsed
                .keyBy(CollectedEvent::dedupKey)
                .process(new DeduplicateEvents(dedupWindow))
                .returns(CollectedEventSerializer.TYPE_INFO)
                .name("dedup by messageId")
                .uid("collect-dedup");
        return new CollectStreams(unique, parsed.getSideOutput(ParseEvents.REJECTED));
    }
}
