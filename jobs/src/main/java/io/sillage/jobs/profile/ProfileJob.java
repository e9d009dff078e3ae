package io.sillage.jobs.profile;

import io.sillage.lakehouse.identity.ProjectIdentityRules;
import io.sillage.jobs.common.IcebergSinks;
import io.sillage.jobs.common.JobSettings;
import io.sillage.lakehouse.catalog.LakehouseConfig;
import io.sillage.lakehouse.table.CdpTables;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The identity and profile stage: identified events -> identifier directory -> profile state, with the feedback
 * topic closing the loop (Flink 2 has no iterations). See {@code docs/identity.md}.
 *
 * <ul>
 *   <li>Input: identified events from the collect stage, and the Kafka topic {@code kafka.topic.feedback}
 *       (default {@code cdp.identity.feedback}) for messages going back to identifiers and between profiles.</li>
 *   <li>Keys and state: the directory is keyed by project and identifier (one profile id each; anonymous ids
 *       expire after {@code identity.anonymous-ttl}, default 365d, without use); profiles are keyed by project
 *       and profile id. No key or operator is global: both scale with parallelism.</li>
 *   <li>Outputs: {@code cdp.profile_changes} (one row per profile per {@code profiles.flush-interval} at most,
 *       default 2s; folded into {@code cdp.profiles_base} by maintenance), {@code cdp.profile_merges}, and the
 *       serving store in PostgreSQL ({@code operational.jdbc-url}) that the Profile View API reads.</li>
 *   <li>Guarantees: Iceberg tables exactly once (checkpointed commits). The feedback topic is at least once;
 *       its handlers are idempotent or deduplicated. The serving store is an idempotent upsert.</li>
 *   <li>Operator uids: {@code identity-extract} (in {@code PipelineJob}), {@code profile-route},
 *       {@code profile-feedback-source}, {@code profile-directory}, {@code profile-state}, sinks prefixed
 *       {@code profile-feedback-sink}, {@code profile-changes-sink}, {@code profile-merges-sink},
 *       {@code profile-serving-sink}, {@code identity-serving-sink}.</li>
 * </ul>
 */
public final class ProfileJob {
    private ProfileJob() {}

    /** What {@link #buildPipeline} produces before sinks. */
    public record ProfileStreams(
            SingleOutputStreamOperator<StitchMessage> directory,
            SingleOutputStreamOperator<ProfileSnapshot> profiles) {
        public DataStream<StitchMessage> feedback() {
            return profiles.getSideOutput(ProfileFunction.FEEDBACK);
        }

        public DataStream<MergeDecision> decisions() {
            return profiles.getSideOutput(ProfileFunction.DECISIONS);
        }

        public DataStream<AttributedEvent> attributed() {
            return profiles.getSideOutput(ProfileFunction.ATTRIBUTED);
        }

        public DataStream<IdentityLink> links() {
            return directory.getSideOutput(DirectoryFunction.LINKS);
        }
    }

    /** Adds the stage, with the real feedback topic and sinks, after {@code identified}; returns it for later stages. */
    public static ProfileStreams define(StreamExecutionEnvironment env, DataStream<IdentifiedEvent> identified, JobSettings settings) {
        String bootstrap = settings.require("kafka.bootstrap-servers");
        String feedbackTopic = settings.get("kafka.topic.feedback", "cdp.identity.feedback");
        KafkaSource<StitchMessage> source = KafkaSource.<StitchMessage>builder()
                .setBootstrapServers(bootstrap)
                .setTopics(feedbackTopic)
                .setGroupId(settings.get("identity.consumer-group", "sillage-identity-feedback"))
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new FeedbackSerde.Deserializer())
                .build();
        DataStream<StitchMessage> feedback = env.fromSource(source, WatermarkStrategy.noWatermarks(), "stitch feedback")
                .uid("profile-feedback-source");

        ProfileStreams streams = buildPipeline(identified, feedback, settings);

        streams.feedback().sinkTo(KafkaSink.<StitchMessage>builder()
                        .setBootstrapServers(bootstrap)
                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                        .setRecordSerializer(new FeedbackSerde.Serializer(feedbackTopic))
                        .setProperty("linger.ms", "5")
                        .build())
                .name("feedback topic").uid("profile-feedback-sink");

        LakehouseConfig lakehouse = LakehouseConfig.fromProperties(settings.properties());
        Duration foldWindow = settings.duration("profiles.fold-window", Duration.ofMinutes(5));
        IcebergSinks.append(streams.profiles()
                        .map(snapshot -> ProfileRows.change(snapshot, foldWindow))
                        .returns(io.sillage.jobs.collect.EventRows.typeInfo(CdpTables.PROFILE_CHANGES_SCHEMA))
                        .name("to profile change rows"),
                lakehouse, CdpTables.PROFILE_CHANGES, "profile-changes-sink");
        IcebergSinks.append(streams.decisions()
                        .map(decision -> ProfileRows.merge(decision, System.currentTimeMillis()))
                        .returns(io.sillage.jobs.collect.EventRows.typeInfo(CdpTables.PROFILE_MERGES_SCHEMA))
                        .name("to merge rows"),
                lakehouse, CdpTables.PROFILE_MERGES, "profile-merges-sink");

        String jdbcUrl = settings.require("operational.jdbc-url");
        String user = settings.require("operational.jdbc-user");
        String password = settings.get("operational.jdbc-password", "");
        int batchSize = Integer.parseInt(settings.get("serving.batch-size", "1000"));
        Duration maxDelay = settings.duration("serving.max-delay", Duration.ofMillis(500));
        streams.profiles().sinkTo(new ServingStoreSink<>(jdbcUrl, user, password, batchSize, maxDelay, ServingStoreSink.PROFILES))
                .name("profile serving store").uid("profile-serving-sink");
        streams.links().sinkTo(new ServingStoreSink<>(jdbcUrl, user, password, batchSize, maxDelay, ServingStoreSink.IDENTIFIERS))
                .name("identifier serving store").uid("identity-serving-sink");
        return streams;
    }

    /** The stage between its inputs and its sinks; tests run it with an in-job feedback stand-in. */
    public static ProfileStreams buildPipeline(DataStream<IdentifiedEvent> identified, DataStream<StitchMessage> feedback, JobSettings settings) {
        ProjectIdentityRules rules = new ProjectIdentityRules(settings.asMap());
        Duration anonymousTtl = settings.duration("identity.anonymous-ttl", Duration.ofDays(365));
        Duration flushInterval = settings.duration("profiles.flush-interval", Duration.ofSeconds(2));
        DataStream<StitchMessage> routes = identified
                .filter(event -> event.anchor() != null)
                .map(event -> StitchMessage.route(event.event().projectId(), event.identifiers(), ExtractIdentifiers.profileEvent(event.event())))
                .returns(StitchMessage.class)
                .name("route by identifier")
                .uid("profile-route");
        SingleOutputStreamOperator<StitchMessage> directory = routes
                .union(feedback.filter(message -> message.kind.toIdentifier()).name("to identifiers"))
                .keyBy(StitchMessage::key)
                .process(new DirectoryFunction(anonymousTtl))
                .name("identifier directory")
                .uid("profile-directory");
        SingleOutputStreamOperator<ProfileSnapshot> profiles = directory
                .union(feedback.filter(message -> !message.kind.toIdentifier()).name("to profiles"))
                .keyBy(StitchMessage::key)
                .process(new ProfileFunction(rules, flushInterval))
                .name("profiles")
                .uid("profile-state");
        return new ProfileStreams(directory, profiles);
    }
}
