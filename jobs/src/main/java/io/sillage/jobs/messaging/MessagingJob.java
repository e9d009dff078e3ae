package io.sillage.jobs.messaging;

import io.sillage.jobs.automation.ActivationRequest;
import io.sillage.jobs.collect.EventRows;
import io.sillage.jobs.collect.RawRecord;
import io.sillage.jobs.collect.RawRecordDeserializer;
import io.sillage.jobs.common.IcebergSinks;
import io.sillage.jobs.common.JobSettings;
import io.sillage.jobs.profile.PostgresProfileReader;
import io.sillage.jobs.profile.ProfileReader;
import io.sillage.lakehouse.catalog.LakehouseConfig;
import io.sillage.lakehouse.table.CdpTables;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The activation job (Messaging): turns activation requests into messages sent through the project's connectors,
 * exactly once per idempotency key, and records every status change; see {@code docs/messaging.md}.
 *
 * <pre>
 * cdp.activations -- parse --+-- keyBy request -- send decision --- keyBy source+address -- destination dedup --+
 * cdp.templates  --+         |   (dedup, profile, consent, address)                                           |
 * cdp.connectors --+-- broadcast --------------------------------+                                           |
 *                                          +-- keyBy person -- pressure cap <--------------------------------+
 *                                          |
 * cdp.message-retries ---------------------+-- render + route (broadcast) -- async send (lanes, send log) --
 *       ^                                                         -- keyBy message -- outcomes --> cdp.messages
 *       +-------------------------------------------- retries and deferred messages, on their timer --+
 *                                                        dead letters, rejected requests --> cdp.message-dead-letters
 * </pre>
 *
 * <ul>
 *   <li>Inputs: {@code kafka.topic.activations} (default {@code cdp.activations}, read_committed), the compacted
 *       {@code kafka.topic.templates} ({@code cdp.templates}: templates and snippets) and
 *       {@code kafka.topic.connectors} ({@code cdp.connectors}), and the job's own
 *       {@code kafka.topic.message-retries} ({@code cdp.message-retries}).</li>
 *   <li>Outputs: {@code cdp.messages} (Iceberg, exactly once), the retry topic and
 *       {@code kafka.topic.message-dead-letters} ({@code cdp.message-dead-letters}), both in Kafka transactions
 *       committed with checkpoints. The send log and the serving store are PostgreSQL ({@code operational.jdbc-*}).</li>
 *   <li>Operator uids: {@code messaging-activations-source}, {@code messaging-templates-source},
 *       {@code messaging-connectors-source}, {@code messaging-retries-source}, {@code messaging-parse},
 *       {@code messaging-decision}, {@code messaging-destination-dedup}, {@code messaging-pressure-cap},
 *       {@code messaging-render}, {@code messaging-send}, {@code messaging-outcomes}, sinks
 *       {@code messaging-messages-sink}, {@code messaging-retries-sink}, {@code messaging-dead-letters-sink}.</li>
 * </ul>
 */
public final class MessagingJob {
    public static final String JOB_NAME = "sillage-messaging";

    private MessagingJob() {}

    public static void main(String[] args) throws Exception {
        JobSettings settings = JobSettings.fromArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, settings);
        env.executeAsync(JOB_NAME);
    }

    public static void define(StreamExecutionEnvironment env, JobSettings settings) {
        // outputs (messages rows, retries, dead letters) commit with checkpoints: the interval is their latency
        env.enableCheckpointing(settings.duration("messaging.checkpoint-interval", settings.duration("collect.checkpoint-interval", Duration.ofSeconds(10)))
                .toMillis(), CheckpointingMode.EXACTLY_ONCE);
        // a message's latency is seconds (checkpoints, providers): fuller network buffers cost less CPU per message
        env.setBufferTimeout(settings.duration("messaging.buffer-timeout", Duration.ofMillis(100)).toMillis());
        String bootstrap = settings.require("kafka.bootstrap-servers");
        String group = settings.get("messaging.consumer-group", "sillage-messaging");
        DataStream<RawRecord> activations = env.fromSource(
                        source(bootstrap, group, settings.get("kafka.topic.activations", "cdp.activations"), new RawRecordDeserializer(),
                                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST)),
                        WatermarkStrategy.noWatermarks(), "activation requests")
                .uid("messaging-activations-source");
        // compacted topics of latest states: a fresh start reads them all; a restore resumes from the checkpoint
        DataStream<MessagingUpdate> templates = env.fromSource(
                        source(bootstrap, group, settings.get("kafka.topic.templates", "cdp.templates"), MessagingUpdate.Deserializer.templates(),
                                OffsetsInitializer.earliest()),
                        WatermarkStrategy.noWatermarks(), "templates")
                .uid("messaging-templates-source")
                .setParallelism(1);
        DataStream<MessagingUpdate> connectors = env.fromSource(
                        source(bootstrap, group, settings.get("kafka.topic.connectors", "cdp.connectors"), MessagingUpdate.Deserializer.connectors(),
                                OffsetsInitializer.earliest()),
                        WatermarkStrategy.noWatermarks(), "connectors")
                .uid("messaging-connectors-source")
                .setParallelism(1);
        String retriesTopic = settings.get("kafka.topic.message-retries", "cdp.message-retries");
        DataStream<Delivery> retries = env.fromSource(
                        source(bootstrap, group, retriesTopic, new DeliveryRecords.RetryDeserializer(),
                                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST)),
                        WatermarkStrategy.noWatermarks(), "message retries")
                .uid("messaging-retries-source");

        String jdbcUrl = settings.require("operational.jdbc-url");
        String jdbcUser = settings.require("operational.jdbc-user");
        String jdbcPassword = settings.get("operational.jdbc-password", "");
        Streams streams = build(activations, templates.union(connectors), retries, settings,
                PostgresProfileReader.factory(jdbcUrl, jdbcUser, jdbcPassword),
                PostgresSendLog.factory(jdbcUrl, jdbcUser, jdbcPassword, sendLogOptions(settings)));

        String prefix = settings.get("messaging.transactional-id-prefix", "sillage-messaging");
        streams.retries().sinkTo(KafkaSink.<Delivery>builder()
                        .setBootstrapServers(bootstrap)
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix(prefix + "-retries")
                        .setProperty("transaction.timeout.ms", "900000")
                        .setRecordSerializer(new DeliveryRecords.RetrySerializer(retriesTopic))
                        .build())
                .name("message retries").uid("messaging-retries-sink");
        streams.deadLetters().sinkTo(KafkaSink.<String>builder()
                        .setBootstrapServers(bootstrap)
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix(prefix + "-dead-letters")
                        .setProperty("transaction.timeout.ms", "900000")
                        .setRecordSerializer(KafkaRecordSerializationSchema.<String>builder()
                                .setTopic(settings.get("kafka.topic.message-dead-letters", "cdp.message-dead-letters"))
                                .setValueSerializationSchema(new SimpleStringSchema())
                                .build())
                        .build())
                .name("message dead letters").uid("messaging-dead-letters-sink");
        IcebergSinks.append(streams.messages()
                        .map(Message::toRow)
                        .returns(EventRows.typeInfo(CdpTables.MESSAGES_SCHEMA))
                        .name("to message rows"),
                LakehouseConfig.fromProperties(settings.properties()), CdpTables.MESSAGES, "messaging-messages-sink");
    }

    private static <T> KafkaSource<T> source(String bootstrap, String group, String topic, KafkaRecordDeserializationSchema<T> deserializer,
            OffsetsInitializer start) {
        return KafkaSource.<T>builder()
                .setBootstrapServers(bootstrap)
                .setTopics(topic)
                .setGroupId(group)
                .setStartingOffsets(start)
                // activation requests and retries are written in transactions: only committed ones exist
                .setProperty("isolation.level", "read_committed")
                .setDeserializer(deserializer)
                .build();
    }

    /** What {@link #build} produces before sinks: status rows, messages waiting for their next attempt, dead letters (JSON). */
    public record Streams(DataStream<Message> messages, DataStream<Delivery> retries, DataStream<String> deadLetters) {}

    /** The job between its inputs and its sinks; tests run it with bounded inputs and their own profile reader and send log. */
    public static Streams build(DataStream<RawRecord> activations, DataStream<MessagingUpdate> updates, DataStream<Delivery> retries,
            JobSettings settings, ProfileReader.Factory profiles, SendLog.Factory sendLog) {
        Duration sendTimeout = settings.duration("messaging.send-timeout", Duration.ofSeconds(60));
        BroadcastStream<MessagingUpdate> config = updates.broadcast(MessagingConfig.STATE);
        SingleOutputStreamOperator<ActivationRequest> requests = activations
                .process(new ParseActivations())
                .name("parse activation requests").uid("messaging-parse");
        SingleOutputStreamOperator<Delivery> decided = requests
                .keyBy(request -> Delivery.key(request.projectId, request.idempotencyKey))
                .connect(config)
                .process(new SendDecision(profiles,
                        settings.duration("messaging.profile-wait", Duration.ofSeconds(10)).toMillis(),
                        settings.duration("messaging.dedup-retention", Duration.ofDays(7)).toMillis()))
                .name("send decision").uid("messaging-decision");
        SingleOutputStreamOperator<Delivery> deduplicated = decided
                .keyBy(Delivery::destinationKey)
                .process(new DestinationDedup(settings.duration("messaging.destination-window", Duration.ofDays(1)).toMillis()))
                .name("destination dedup").uid("messaging-destination-dedup");
        SingleOutputStreamOperator<Delivery> capped = deduplicated
                .keyBy(Delivery::personKey)
                .process(new PressureCap(integer(settings, "messaging.pressure-cap", 3),
                        settings.duration("messaging.pressure-window", Duration.ofDays(1)).toMillis()))
                .name("pressure cap").uid("messaging-pressure-cap");
        SingleOutputStreamOperator<Delivery> routed = capped
                .union(retries)
                .connect(config)
                .process(new RenderMessages(blankToNull(settings.get("messaging.tracking-url", null)), blankToNull(settings.get("messaging.tracking-secret", null))))
                .name("render and route").uid("messaging-render");
        SingleOutputStreamOperator<SendResult> results = AsyncDataStream
                .unorderedWait(routed,
                        new SendFunction(sendLog, sendTimeout.toMillis(), integer(settings, "messaging.connector-concurrency", 8),
                                integer(settings, "messaging.connector-queue", 56), settings.duration("messaging.busy-delay", Duration.ofSeconds(1)).toMillis(),
                                settings.duration("messaging.lane-wait", Duration.ofSeconds(10)).toMillis()),
                        sendTimeout.toMillis(), TimeUnit.MILLISECONDS, integer(settings, "messaging.send-capacity", 200))
                .name("send").uid("messaging-send");
        SingleOutputStreamOperator<Message> outcomes = results
                .keyBy(result -> result.delivery.key())
                .process(new DeliveryOutcomes())
                .name("send outcomes").uid("messaging-outcomes");
        DataStream<Message> messages = outcomes.union(decided.getSideOutput(SendDecision.MESSAGES),
                deduplicated.getSideOutput(DestinationDedup.MESSAGES), capped.getSideOutput(PressureCap.MESSAGES),
                routed.getSideOutput(RenderMessages.MESSAGES));
        DataStream<String> deadLetters = requests.getSideOutput(ParseActivations.REJECTED).map(DeliveryRecords::deadLetter).returns(Types.STRING).name("rejected request dead letters")
                .union(outcomes.getSideOutput(DeliveryOutcomes.DEAD_LETTERS).map(DeliveryRecords::deadLetter).returns(Types.STRING).name("undeliverable dead letters"));
        return new Streams(messages, outcomes.getSideOutput(DeliveryOutcomes.RETRIES), deadLetters);
    }

    static PostgresSendLog.Options sendLogOptions(JobSettings settings) {
        Duration retention = settings.duration("messaging.send-log-retention", Duration.ofDays(30));
        Duration dedup = settings.duration("messaging.dedup-retention", Duration.ofDays(7));
        if (!retention.isZero() && retention.compareTo(dedup) <= 0) {
            throw new IllegalArgumentException("messaging.send-log-retention must be longer than messaging.dedup-retention (" + dedup.toDays()
                    + " days): the send log is what stops a replay the job's state no longer remembers; 0 keeps its rows forever");
        }
        return new PostgresSendLog.Options(integer(settings, "messaging.send-log-connections", 1),
                settings.duration("messaging.send-log-linger", Duration.ofMillis(2)), retention,
                settings.duration("messaging.send-log-prune-interval", Duration.ofHours(1)));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static int integer(JobSettings settings, String key, int defaultValue) {
        String value = settings.get(key, null);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.strip());
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("Setting " + key + " must be a whole number, got '" + value + "'");
        }
    }
}
