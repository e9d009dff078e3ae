package io.sillage.jobs.automation;

import io.sillage.jobs.collect.EventRows;
import io.sillage.jobs.common.IcebergSinks;
import io.sillage.jobs.common.JobSettings;
import io.sillage.jobs.profile.AttributedEvent;
import io.sillage.lakehouse.catalog.LakehouseConfig;
import io.sillage.lakehouse.table.CdpTables;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The automation stage (Engage), after profiles in the pipeline job; see {@code docs/automations.md}.
 *
 * <pre>
 * attributed events --+-- router (broadcast definitions) -- keyBy instance -- instance gate -- CEP waits --+
 * cdp.automations ----+                                                            \-- fire now -------+
 *                                              profile lookup (serving store) -- keyBy person -- send gate --> cdp.activations
 *                                                                                               all steps --> cdp.automation_runs
 * </pre>
 *
 * <ul>
 *   <li>Definitions: the compacted topic {@code kafka.topic.automations} (default {@code cdp.automations}),
 *       written by the API and broadcast to the router and the send gate, so a change applies within a second,
 *       without a restart, and waiting instances of other automations are untouched.</li>
 *   <li>Waits: Flink CEP ({@link WaitPattern}), in processing time, matches an entry with what ends it; the
 *       instance gate's timer at each send time emits the deadline marker, so waits fire on an idle stream.</li>
 *   <li>Outputs: activation requests on {@code kafka.topic.activations} (default {@code cdp.activations}), written
 *       in Kafka transactions committed with checkpoints (exactly once for read_committed consumers), and
 *       {@code cdp.automation_runs} (Iceberg, exactly once).</li>
 *   <li>Operator uids: {@code automation-definitions-source}, {@code automation-router}, {@code automation-instances},
 *       {@code automation-cep}, {@code automation-profile-lookup}, {@code automation-send},
 *       sinks {@code automation-activations-sink}, {@code automation-runs-sink}.</li>
 * </ul>
 */
public final class AutomationJob {
    private AutomationJob() {}

    public static void define(StreamExecutionEnvironment env, DataStream<AttributedEvent> attributed, JobSettings settings) {
        String bootstrap = settings.require("kafka.bootstrap-servers");
        KafkaSource<AutomationUpdate> source = KafkaSource.<AutomationUpdate>builder()
                .setBootstrapServers(bootstrap)
                .setTopics(settings.get("kafka.topic.automations", "cdp.automations"))
                .setGroupId(settings.get("automations.consumer-group", "sillage-automations"))
                // a compacted topic of latest states: a fresh start reads it all; a restore resumes from the checkpoint
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new AutomationUpdate.Deserializer())
                .build();
        BroadcastStream<AutomationUpdate> definitions = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "automation definitions")
                .uid("automation-definitions-source")
                .setParallelism(1)
                .broadcast(Automations.STATE);
        Streams streams = build(attributed, definitions, settings);

        String activationsTopic = settings.get("kafka.topic.activations", "cdp.activations");
        streams.requests().sinkTo(KafkaSink.<ActivationRequest>builder()
                        .setBootstrapServers(bootstrap)
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix(settings.get("automations.transactional-id-prefix", "sillage-activations"))
                        .setProperty("transaction.timeout.ms", "900000")
                        .setProperty("linger.ms", "0")
                        .setRecordSerializer(new ActivationRequest.Serializer(activationsTopic))
                        .build())
                .name("activation requests").uid("automation-activations-sink");
        IcebergSinks.append(streams.runs()
                        .map(AutomationRun::toRow)
                        .returns(EventRows.typeInfo(CdpTables.AUTOMATION_RUNS_SCHEMA))
                        .name("to automation run rows"),
                LakehouseConfig.fromProperties(settings.properties()), CdpTables.AUTOMATION_RUNS, "automation-runs-sink");
    }

    /** What {@link #build} produces before sinks. */
    public record Streams(DataStream<ActivationRequest> requests, DataStream<AutomationRun> runs) {}

    /** The stage between its inputs and its sinks; tests run it with bounded inputs. */
    public static Streams build(DataStream<AttributedEvent> attributed, BroadcastStream<AutomationUpdate> definitions, JobSettings settings) {
        SingleOutputStreamOperator<AutomationSignal> signals = attributed
                .connect(definitions)
                .process(new AutomationRouter())
                .name("automation router").uid("automation-router");
        SingleOutputStreamOperator<AutomationSignal> gated = signals
                .keyBy(AutomationSignal::instance)
                .transform("automation instances", TypeInformation.of(AutomationSignal.class),
                        new InstanceGateOperator(new InstanceGate(settings.duration("automations.reorder-window", Duration.ofSeconds(30)))))
                .uid("automation-instances");
        SingleOutputStreamOperator<AutomationSignal> waited = DataStreamUtils
                .reinterpretAsKeyedStream(gated, AutomationSignal::instance)
                .transform("automation waits (CEP)", TypeInformation.of(AutomationSignal.class), WaitPattern.operator())
                .uid("automation-cep");
        DataStream<AutomationSignal> fires = waited.union(gated.getSideOutput(InstanceGate.FIRE_NOW))
                .map(new ProfileLookup(settings.require("operational.jdbc-url"), settings.require("operational.jdbc-user"),
                        settings.get("operational.jdbc-password", "")))
                .name("profile lookup").uid("automation-profile-lookup");
        SingleOutputStreamOperator<ActivationRequest> requests = fires
                .keyBy(AutomationSignal::person)
                .connect(definitions)
                .process(new SendGate())
                .name("send decision").uid("automation-send");
        DataStream<AutomationRun> runs = signals.getSideOutput(AutomationRouter.RUNS)
                .union(gated.getSideOutput(InstanceGate.RUNS), waited.getSideOutput(WaitPattern.RUNS), requests.getSideOutput(SendGate.RUNS));
        return new Streams(requests, runs);
    }
}
