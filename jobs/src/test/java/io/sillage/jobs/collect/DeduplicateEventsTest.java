package io.sillage.jobs.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sillage.lakehouse.event.CollectedEvent;
import io.sillage.lakehouse.event.SegmentEvents;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class DeduplicateEventsTest {
    private static CollectedEvent event(String projectId, String messageId) throws Exception {
        return SegmentEvents.fromWire(TestEvents.track(projectId, messageId, "u-1", "2026-11-23T09:00:00Z").getBytes(StandardCharsets.UTF_8));
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, CollectedEvent, CollectedEvent> harness(Duration window) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, CollectedEvent, CollectedEvent> harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new DeduplicateEvents(window)), CollectedEvent::dedupKey, Types.STRING);
        harness.open();
        return harness;
    }

    @Test
    void keepsTheFirstOfEachMessageIdPerProject() throws Exception {
        try (var harness = harness(Duration.ofHours(24))) {
            harness.processElement(new StreamRecord<>(event("p1", "m1")));
            harness.processElement(new StreamRecord<>(event("p1", "m2")));
            harness.processElement(new StreamRecord<>(event("p1", "m1")));
            harness.processElement(new StreamRecord<>(event("p2", "m1")));
            harness.processElement(new StreamRecord<>(event("p1", "m2")));

            assertThat(harness.extractOutputValues())
                    .extracting(e -> e.projectId() + "/" + e.messageId())
                    .containsExactly("p1/m1", "p1/m2", "p2/m1");
            assertThat(harness.numKeyedStateEntries()).isEqualTo(3);
            assertThat(harness.numProcessingTimeTimers()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void forgetsMessageIdsAfterTheWindow() throws Exception {
        try (var harness = harness(Duration.ofHours(1))) {
            harness.setStateTtlProcessingTime(0);
            harness.processElement(new StreamRecord<>(event("p1", "m1")));
            harness.setStateTtlProcessingTime(Duration.ofMinutes(59).toMillis());
            harness.processElement(new StreamRecord<>(event("p1", "m1")));
            harness.setStateTtlProcessingTime(Duration.ofMinutes(61).toMillis());
            harness.processElement(new StreamRecord<>(event("p1", "m1")));

            assertThat(harness.extractOutputValues()).hasSize(2);
        }
    }

    @Test
    void rejectsAnEmptyWindow() {
        assertThatThrownBy(() -> new DeduplicateEvents(Duration.ZERO)).hasMessageContaining("Invalid dedup window");
    }
}
