package io.sillage.jobs.automation;

import io.sillage.jobs.automation.AutomationSignal.Role;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.IncrementalRemoteKeyedStateHandle;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CEP wait pattern with its cleanup, in processing time, fed in the order the instance gate delivers: fire when
 * the deadline marker comes, cancel before it, no timer while waiting, and nothing left behind.
 */
class WaitPatternTest {
    @Test
    void firesAtTheDeadlineMarkerAndLeavesNoStateOrTimers() throws Exception {
        try (var harness = harness()) {
            AutomationSignal entry = entry("m1", "p1", 1_000, 5_000, "{\"cart_id\":\"c1\"}");
            harness.setProcessingTime(1_000);
            harness.processElement(entry, 1_000);
            assertThat(harness.extractOutputValues()).as("nothing before the deadline").isEmpty();
            assertThat(harness.numKeyedStateEntries()).as("the waiting instance").isPositive();
            assertThat(harness.numProcessingTimeTimers() + harness.numEventTimeTimers()).as("no timer while waiting").isZero();

            harness.setProcessingTime(5_000);
            harness.processElement(entry.deadline(), 5_000);
            List<AutomationSignal> fired = harness.extractOutputValues();
            assertThat(fired).singleElement().satisfies(fire -> {
                assertThat(fire.role).isEqualTo(Role.FIRE);
                assertThat(fire.messageId).isEqualTo("m1");
                assertThat(fire.properties).isEqualTo("{\"cart_id\":\"c1\"}");
            });
            assertThat(harness.numKeyedStateEntries()).as("state of the finished instance").isZero();
            assertThat(harness.numProcessingTimeTimers() + harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void cancelWithTheSameBusinessKeyCancelsAndOtherKeysDoNot() throws Exception {
        try (var harness = harness()) {
            AutomationSignal entry = entry("m1", "p1", 1_000, 10_000, "{\"cart_id\":\"c1\"}");
            harness.setProcessingTime(1_000);
            harness.processElement(entry, 1_000);
            harness.setProcessingTime(2_000);
            harness.processElement(cancel("o0", "p1", 2_000, "cart_id", "c0"), 2_000);
            assertThat(harness.getSideOutput(WaitPattern.RUNS)).as("another cart's purchase").isNull();
            assertThat(harness.numKeyedStateEntries()).as("still waiting").isPositive();

            harness.setProcessingTime(3_000);
            harness.processElement(cancel("o1", "p1", 3_000, "cart_id", "c1"), 3_000);
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(harness.getSideOutput(WaitPattern.RUNS)).singleElement().satisfies(run -> {
                assertThat(run.getValue().step).isEqualTo(AutomationRun.CANCELLED);
                assertThat(run.getValue().reason).isEqualTo("Order Completed");
                assertThat(run.getValue().eventMessageId).isEqualTo("o1");
            });
            assertThat(harness.numKeyedStateEntries()).isZero();

            // a deadline marker for an instance that already ended matches nothing and leaves nothing
            harness.setProcessingTime(10_000);
            harness.processElement(entry.deadline(), 10_000);
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void aReentryWhileWaitingIsDiscardedWithTheFirstInstancesEnd() throws Exception {
        try (var harness = harness()) {
            AutomationSignal first = entry("m1", "p1", 1_000, 5_000, "{}");
            AutomationSignal second = entry("m2", "p1", 2_000, 6_000, "{}");
            harness.setProcessingTime(1_000);
            harness.processElement(first, 1_000);
            harness.setProcessingTime(2_000);
            harness.processElement(second, 2_000);
            harness.setProcessingTime(5_000);
            harness.processElement(first.deadline(), 5_000);
            harness.setProcessingTime(6_000);
            harness.processElement(second.deadline(), 6_000);
            assertThat(harness.extractOutputValues()).extracting(fire -> fire.messageId).containsExactly("m1");
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void manyInstancesEndWithZeroState() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(1_000);
            for (int i = 0; i < 500; i++) {
                harness.processElement(entry("m" + i, "p" + i, 1_000, 5_000 + i, "{\"cart_id\":\"c" + i + "\"}"), 1_000);
            }
            harness.setProcessingTime(2_000);
            for (int i = 0; i < 500; i += 2) {
                harness.processElement(cancel("o" + i, "p" + i, 2_000, "cart_id", "c" + i), 2_000);
            }
            assertThat(harness.numProcessingTimeTimers() + harness.numEventTimeTimers()).as("250 instances waiting, no timer").isZero();
            harness.setProcessingTime(6_000);
            for (int i = 1; i < 500; i += 2) {
                harness.processElement(entry("m" + i, "p" + i, 1_000, 5_000 + i, "{}").deadline(), 6_000);
            }
            assertThat(harness.extractOutputValues()).hasSize(250).allSatisfy(fire -> assertThat(fire.role).isEqualTo(Role.FIRE));
            assertThat(harness.getSideOutput(WaitPattern.RUNS)).hasSize(250);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers() + harness.numEventTimeTimers()).isZero();
        }
    }

    /**
     * On RocksDB the ended instances' bytes stay in the files as tombstones over the data until a compaction; the
     * first checkpoint of an idle interval after many ended compacts them away, and not before.
     */
    @Test
    void anIdleCheckpointAfterManyInstancesEndedCompactsTheirBytesAway() throws Exception {
        int instances = (int) IdleCompaction.AFTER_REMOVED * 2;
        CleaningCepOperator<String> operator = WaitPattern.operator();
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(operator, AutomationSignal::instance, Types.STRING);
        harness.setStateBackend(new EmbeddedRocksDBStateBackend(true));
        harness.open();
        try (harness) {
            String cart = "{\"cart_id\":\"c\",\"products\":\"" + "x".repeat(300) + "\"}";
            harness.setProcessingTime(1_000);
            for (int i = 0; i < instances; i++) {
                harness.processElement(entry("m" + i, "p" + i, 1_000, 5_000, cart), 1_000);
            }
            assertThat(checkpoint(harness, 1)).as("the waiting instances").isPositive();

            harness.setProcessingTime(6_000);
            for (int i = 0; i < instances; i++) {
                harness.processElement(entry("m" + i, "p" + i, 1_000, 5_000, cart).deadline(), 6_000);
            }
            assertThat(harness.extractOutputValues()).as("every instance fired, so ended").hasSize(instances);
            assertThat(checkpoint(harness, 2)).as("the ended instances' bytes are still in the files").isPositive();
            assertThat(operator.compactions()).as("elements came during the interval").isZero();

            assertThat(checkpoint(harness, 3)).as("not compacted before this checkpoint completes").isPositive();
            assertThat(operator.compactions()).as("a whole interval idle").isEqualTo(1);
            assertThat(checkpoint(harness, 4)).as("no live instance, no data file").isZero();

            checkpoint(harness, 5);
            assertThat(operator.compactions()).as("nothing ended since").isEqualTo(1);
        }
    }

    /** A completed checkpoint's bytes of RocksDB data files (SST), without the files every checkpoint has. */
    static long checkpoint(KeyedOneInputStreamOperatorTestHarness<String, AutomationSignal, AutomationSignal> harness, long id)
            throws Exception {
        OperatorSubtaskState state = harness.snapshot(id, id);
        harness.notifyOfCompletedCheckpoint(id);
        long bytes = 0;
        for (KeyedStateHandle handle : state.getManagedKeyedState()) {
            for (var file : ((IncrementalRemoteKeyedStateHandle) handle).getSharedState()) {
                bytes += file.getHandle().getStateSize();
            }
        }
        return bytes;
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
