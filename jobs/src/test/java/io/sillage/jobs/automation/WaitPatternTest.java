package io.sillage.jobs.automation;

import io.sillage.jobs.automation.AutomationSignal.Role;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The CEP wait pattern with its cleanup: fire at the deadline, cancel before it, and nothing left behind. */
class WaitPatternTest {
    @Test
    void firesAtTheDeadlineAndLeavesNoStateOrTimers() throws Exception {
        try (var harness = harness()) {
            AutomationSignal entry = entry("m1", "p1", 1_000, 5_000, "{\"cart_id\":\"c1\"}");
            harness.processElement(entry, 1_000);
            harness.processElement(entry.deadline(), 5_000);
            harness.processWatermark(new Watermark(4_999));
            assertThat(harness.extractOutputValues()).as("nothing before the deadline").isEmpty();
            assertThat(harness.numKeyedStateEntries()).isPositive();

            harness.processWatermark(new Watermark(5_000));
            List<AutomationSignal> fired = harness.extractOutputValues();
            assertThat(fired).singleElement().satisfies(fire -> {
                assertThat(fire.role).isEqualTo(Role.FIRE);
                assertThat(fire.messageId).isEqualTo("m1");
            });
            assertThat(harness.numKeyedStateEntries()).as("state of the finished instance").isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void cancelWithTheSameBusinessKeyCancelsAndOtherKeysDoNot() throws Exception {
        try (var harness = harness()) {
            AutomationSignal entry = entry("m1", "p1", 1_000, 10_000, "{\"cart_id\":\"c1\"}");
            harness.processElement(entry, 1_000);
            harness.processElement(entry.deadline(), 10_000);
            harness.processElement(cancel("o0", "p1", 2_000, "cart_id", "c0"), 2_000);
            harness.processWatermark(new Watermark(2_500));
            assertThat(harness.getSideOutput(WaitPattern.RUNS)).as("another cart's purchase").isNull();

            // arrives out of order (event time before an already buffered one) but before the deadline
            harness.processElement(cancel("o1", "p1", 3_000, "cart_id", "c1"), 3_000);
            harness.processWatermark(new Watermark(20_000));
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(harness.getSideOutput(WaitPattern.RUNS)).singleElement().satisfies(run -> {
                assertThat(run.getValue().step).isEqualTo(AutomationRun.CANCELLED);
                assertThat(run.getValue().reason).isEqualTo("Order Completed");
                assertThat(run.getValue().eventMessageId).isEqualTo("o1");
            });
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aReentryWhileWaitingIsDiscardedWithTheFirstInstancesEnd() throws Exception {
        try (var harness = harness()) {
            AutomationSignal first = entry("m1", "p1", 1_000, 5_000, "{}");
            AutomationSignal second = entry("m2", "p1", 2_000, 6_000, "{}");
            harness.processElement(first, 1_000);
            harness.processElement(first.deadline(), 5_000);
            harness.processElement(second, 2_000);
            harness.processElement(second.deadline(), 6_000);
            harness.processWatermark(new Watermark(10_000));
            assertThat(harness.extractOutputValues()).extracting(fire -> fire.messageId).containsExactly("m1");
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void manyInstancesEndWithZeroState() throws Exception {
        try (var harness = harness()) {
            for (int i = 0; i < 500; i++) {
                AutomationSignal entry = entry("m" + i, "p" + i, 1_000 + i, 5_000 + i, "{\"cart_id\":\"c" + i + "\"}");
                harness.processElement(entry, entry.eventTimeMillis);
                harness.processElement(entry.deadline(), entry.deadlineMillis);
                if (i % 2 == 0) {
                    harness.processElement(cancel("o" + i, "p" + i, 2_000 + i, "cart_id", "c" + i), 2_000 + i);
                }
            }
            harness.processWatermark(new Watermark(3_000));
            assertThat(harness.numEventTimeTimers()).as("deadlines still pending").isPositive();
            harness.processWatermark(new Watermark(6_000));
            assertThat(harness.extractOutputValues()).hasSize(250);
            assertThat(harness.getSideOutput(WaitPattern.RUNS)).hasSize(250);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    static KeyedOneInputStreamOperatorTestHarness<String, AutomationSignal, AutomationSignal> harness() throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(WaitPattern.operator(), AutomationSignal::instance, Types.STRING);
        harness.open();
        return harness;
    }

    static AutomationSignal entry(String messageId, String profileId, long time, long deadline, String properties) {
        AutomationSignal signal = new AutomationSignal();
        signal.role = Role.ENTRY;
        signal.projectId = "shop";
        signal.automationId = "aut_cart";
        signal.version = 1;
        signal.profileId = profileId;
        signal.messageId = messageId;
        signal.event = "Product Added";
        signal.eventTimeMillis = time;
        signal.deadlineMillis = deadline;
        signal.properties = properties;
        return signal;
    }

    static AutomationSignal cancel(String messageId, String profileId, long time, String matchKey, String matchValue) {
        AutomationSignal signal = new AutomationSignal();
        signal.role = Role.CANCEL;
        signal.projectId = "shop";
        signal.automationId = "aut_cart";
        signal.version = 1;
        signal.profileId = profileId;
        signal.messageId = messageId;
        signal.event = "Order Completed";
        signal.eventTimeMillis = time;
        signal.matchKey = matchKey;
        signal.matchValue = matchValue;
        return signal;
    }
}
