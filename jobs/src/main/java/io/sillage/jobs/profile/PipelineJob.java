package io.sillage.jobs.profile;

import io.sillage.lakehouse.identity.ProjectIdentityRules;
import io.sillage.jobs.automation.AutomationJob;
import io.sillage.jobs.collect.CollectJob;
import io.sillage.jobs.collect.EventRows;
import io.sillage.jobs.common.IcebergSinks;
import io.sillage.jobs.common.JobSettings;
import io.sillage.jobs.messaging.FeedbackMessages;
import io.sillage.jobs.messaging.Message;
import io.sillage.lakehouse.catalog.LakehouseConfig;
import io.sillage.lakehouse.event.CollectedEvent;
import io.sillage.lakehouse.table.CdpTables;
import java.time.Duration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Sillage streaming pipeline, one Flink job: collect (parse, validate, dedup) -> identifiers ->
 * {@code cdp.events} (and message feedback to {@code cdp.messages}), and on to identity stitching, profiles and
 * automations. One job rather than two chained through a Kafka topic because the hand-over would cost a checkpoint interval of latency (a transactional topic is
 * only readable after commit) and a second copy of every event on a 2-core machine.
 */
public final class PipelineJob {
    public static final String JOB_NAME = "sillage-pipeline";

    private PipelineJob() {}

    public static void main(String[] args) throws Exception {
        JobSettings settings = JobSettings.fromArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, settings);
        env.executeAsync(JOB_NAME);
    }

    public static void define(StreamExecutionEnvironment env, JobSettings settings) {
        // how long a partly filled network buffer may wait before it is sent: the latency each exchange adds at low load
        env.setBufferTimeout(settings.duration("pipeline.buffer-timeout", Duration.ofMillis(10)).toMillis());
        DataStream<CollectedEvent> events = CollectJob.define(env, settings);
        DataStream<IdentifiedEvent> identified = events
                .map(new ExtractIdentifiers(new ProjectIdentityRules(settings.asMap())))
                .name("identifiers")
                .uid("identity-extract");
        IcebergSinks.append(identified
                        .map(event -> EventRows.event(event.event(), event.anchor()))
                        .returns(EventRows.typeInfo(CdpTables.EVENTS_SCHEMA))
                        .name("to event rows"),
                LakehouseConfig.fromProperties(settings.properties()), CdpTables.EVENTS, "collect-events-sink");
        // tracking and provider feedback (opened, clicked, delivered, bounced...) on the messages' timelines
        IcebergSinks.append(events
                        .flatMap(new FeedbackMessages())
                        .name("message feedback")
                        .uid("messaging-feedback")
                        .map(Message::toRow)
                        .returns(EventRows.typeInfo(CdpTables.MESSAGES_SCHEMA))
                        .name("to message rows"),
                LakehouseConfig.fromProperties(settings.properties()), CdpTables.MESSAGES, "messaging-feedback-sink");
        ProfileJob.ProfileStreams profiles = ProfileJob.define(env, identified, settings);
        if (Boolean.parseBoolean(settings.get("automations.enabled", "true"))) {
            AutomationJob.define(env, profiles.attributed(), settings);
        }
    }
}
