package io.sillage.jobs.collect;

import static io.sillage.jobs.collect.TestEvents.raw;
import static io.sillage.jobs.collect.TestEvents.track;
import static org.assertj.core.api.Assertions.assertThat;

import io.sillage.lakehouse.event.CollectedEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The collect topology on a Flink MiniCluster, with bounded input and collecting sinks. */
class CollectPipelineTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    @Test
    void deduplicatesRejectsBadRecordsAndKeepsOutOfOrderEvents() throws Exception {
        List<RawRecord> input = List.of(
                raw(0, track("p1", "m1", "u1", "2026-11-23T10:00:00Z")),
                raw(1, track("p1", "m2", "u1", "2026-11-23T08:00:00Z")),
                raw(2, "this is not json"),
                raw(3, track("p1", "m1", "u1", "2026-11-23T10:00:00Z")),
                raw(4, "{\"type\":\"track\",\"projectId\":\"p1\",\"messageId\":\"m9\",\"receivedAt\":\"2026-11-23T10:00:00Z\",\"event\":\"x\"}"),
                raw(5, track("p1", "m3", "u2", "2026-11-20T10:00:00Z")),
                raw(6, track("p2", "m1", "u3", "2026-11-23T11:00:00Z")),
                raw(7, track("p1", "m2", "u1", "2026-11-23T08:00:00Z")),
                raw(8, "{\"type\":\"track\",\"event\":\"x\",\"userId\":\"u\",\"messageId\":\"m10\",\"receivedAt\":\"2026-11-23T10:00:00Z\"}"));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        DataStream<RawRecord> raw = env.fromData(input).assignTimestampsAndWatermarks(WatermarkStrategy.noWatermarks());
        CollectJob.CollectStreams streams = CollectJob.buildPipeline(raw, Duration.ofHours(24));
        CloseableIterator<CollectedEvent> events = streams.events().collectAsync();
        CloseableIterator<RejectedRecord> rejected = streams.rejected().collectAsync();
        env.execute("collect pipeline test");

        List<String> accepted = new ArrayList<>();
        events.forEachRemaining(event -> accepted.add(event.projectId() + "/" + event.messageId()));
        List<RejectedRecord> dead = new ArrayList<>();
        rejected.forEachRemaining(dead::add);

        assertThat(accepted).containsExactlyInAnyOrder("p1/m1", "p1/m2", "p1/m3", "p2/m1");
        assertThat(dead).extracting(RejectedRecord::kafkaOffset).containsExactlyInAnyOrder(2L, 4L, 8L);
        RejectedRecord notJson = dead.stream().filter(record -> record.kafkaOffset() == 2).findFirst().orElseThrow();
        assertThat(notJson.reason()).contains("not valid JSON");
        assertThat(notJson.payload()).isEqualTo("this is not json");
        RejectedRecord anonymous = dead.stream().filter(record -> record.kafkaOffset() == 4).findFirst().orElseThrow();
        assertThat(anonymous.field()).isEqualTo("/userId");
        assertThat(anonymous.projectId()).isEqualTo("p1");
        assertThat(anonymous.messageId()).isEqualTo("m9");
        RejectedRecord noProject = dead.stream().filter(record -> record.kafkaOffset() == 8).findFirst().orElseThrow();
        assertThat(noProject.field()).isEqualTo("/projectId");
    }
}
