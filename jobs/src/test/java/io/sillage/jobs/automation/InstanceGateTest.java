package io.sillage.jobs.automation;

import io.sillage.jobs.automation.AutomationSignal.Role;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rocksdb.CompactionStyle;

import static io.sillage.jobs.automation.WaitPatternTest.cancel;
import static io.sillage.jobs.automation.WaitPatternTest.checkpoint;
import static io.sillage.jobs.automation.WaitPatternTest.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** Re-entry, immediate fires and the cancel filter in front of CEP, in processing time. */
class InstanceGateTest {
    @Test
    void anEntryWithAFutureDeadlineIsRecordedAndPassedOnThenItsDeadlineAtTheSendTime() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(1_000);
            harness.processElement(entry("m1", "p1", 900, 5_000, "{\"cart_id\":\"c1\"}"), 900);

            assertThat(harness.extractOutputValues()).extracting(signal -> signal.role, signal -> signal.messageId, signal -> signal.deadlineMillis)
                    .containsExactly(tuple(Role.ENTRY, "m1", 5_000L));
            assertThat(runs(harness)).singleElement().satisfies(run -> {
                assertThat(run.step).isEqualTo(AutomationRun.ENTERED);
                assertThat(run.reason).isNull();
                assertThat(run.instanceId).isEqualTo("m1");
                assertThat(run.eventMessageId).isEqualTo("m1");
                assertThat(run.waitingUntilMillis).isEqualTo(5_000);
                assertThat(run.occurredAtMillis).isEqualTo(1_000);
            });
            assertThat(harness.getSideOutput(InstanceGate.FIRE_NOW)).isNull();
            assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

            harness.getOutput().clear();
            harness.setProcessingTime(4_999);
            assertThat(harness.extractOutputValues()).as("before the send time").isEmpty();
            harness.setProcessingTime(5_000);
            assertThat(harness.extractOutputValues()).extracting(signal -> signal.role, signal -> signal.messageId, signal -> signal.deadlineMillis)
                    .containsExactly(tuple(Role.DEADLINE, "m1", 5_000L));
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void aReentryWhileWaitingIsSuppressedAndNotPassedOn() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(1_000);
            harness.processElement(entry("m1", "p1", 1_000, 5_000, "{}"), 1_000);
            harness.getOutput().clear();
            harness.setProcessingTime(2_000);
            harness.processElement(entry("m2", "p1", 2_000, 6_000, "{}"), 2_000);

            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(runs(harness)).extracting(run -> run.step + "/" + run.reason + "/" + run.instanceId)
                    .containsExactly("entered/null/m1", "suppressed/reentry/m2");
            assertThat(runs(harness).get(1).waitingUntilMillis).as("the waiting instance's send time").isEqualTo(5_000);
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

            // once the first instance's send time has passed, the person can enter again
            harness.setProcessingTime(5_000);
            assertThat(harness.numKeyedStateEntries()).isZero();
            harness.processElement(entry("m3", "p1", 5_500, 9_000, "{}"), 5_500);
            assertThat(harness.extractOutputValues()).extracting(signal -> signal.role + " " + signal.messageId)
                    .containsExactly("DEADLINE m1", "ENTRY m3");
        }
    }

    @Test
    void anEntryWhoseSendTimeHasComeFiresAtOnceWithCurrentFacts() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(10_000);
            AutomationSignal entry = entry("m1", "p1", 9_000, 9_000, "{\"order_id\":\"o1\"}");
            entry.consent = "email=subscribed";
            entry.reach = "email";
            harness.processElement(entry, 9_000);

            assertThat(harness.extractOutputValues()).as("nothing for CEP").isEmpty();
            assertThat(harness.getSideOutput(InstanceGate.FIRE_NOW)).singleElement().satisfies(record -> {
                AutomationSignal fire = record.getValue();
                assertThat(fire.role).isEqualTo(Role.FIRE);
                assertThat(fire.factsCurrent).isTrue();
                assertThat(fire.messageId).isEqualTo("m1");
                assertThat(fire.consent).isEqualTo("email=subscribed");
                assertThat(fire.reach).isEqualTo("email");
                assertThat(fire.properties).isEqualTo("{\"order_id\":\"o1\"}");
            });
            assertThat(runs(harness)).extracting(run -> run.step).containsExactly(AutomationRun.ENTERED);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void aCancelWithTheEntrysBusinessKeyEndsTheWaitAndIsPassedOn() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(1_000);
            harness.processElement(entry("m1", "p1", 1_000, 50_000, "{\"cart_id\":\"c1\"}"), 1_000);
            harness.getOutput().clear();

            harness.processElement(cancel("o1", "p1", 2_000, "cart_id", "c1"), 2_000);
            assertThat(harness.extractOutputValues()).singleElement().satisfies(signal -> {
                assertThat(signal.role).isEqualTo(Role.CANCEL);
                assertThat(signal.messageId).isEqualTo("o1");
            });
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();

            // nothing waits any more: a second cancel goes nowhere
            harness.getOutput().clear();
            harness.processElement(cancel("o2", "p1", 3_000, "cart_id", "c1"), 3_000);
            assertThat(harness.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void aCancelWithoutABusinessKeyOrAnExitEndsTheWait() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(1_000);
            harness.processElement(entry("m1", "p1", 1_000, 50_000, "{}"), 1_000);
            AutomationSignal exit = cancel("u1", "p1", 2_000, null, null);
            exit.role = Role.EXIT;
            harness.processElement(exit, 2_000);
            harness.processElement(entry("m2", "p2", 1_000, 50_000, "{}"), 1_000);
            harness.processElement(cancel("o2", "p2", 2_000, null, null), 2_000);
            assertThat(harness.extractOutputValues()).extracting(signal -> signal.role + " " + signal.messageId)
                    .containsExactly("ENTRY m1", "EXIT u1", "ENTRY m2", "CANCEL o2");
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void anotherKeyOrACancelBeforeTheEntryIsDropped() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(1_000);
            harness.processElement(entry("m1", "p1", 5_000, 50_000, "{\"cart_id\":\"c1\"}"), 5_000);
            harness.getOutput().clear();

            harness.processElement(cancel("o0", "p1", 6_000, "cart_id", "c0"), 6_000);
            harness.processElement(cancel("o1", "p1", 4_000, "cart_id", "c1"), 4_000);
            harness.processElement(cancel("o2", "p1", 6_000, "order_id", "c1"), 6_000);
            harness.processElement(cancel("o3", "p2", 6_000, "cart_id", "c1"), 6_000);
            // happened after the send time (a device clock ahead): the reminder is due first
            harness.processElement(cancel("o4", "p1", 51_000, "cart_id", "c1"), 51_000);

            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(harness.numKeyedStateEntries()).as("p1 still waiting; p2's cancel remembered in case its entry comes late").isEqualTo(2);
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(2);
            harness.setProcessingTime(1_000 + 30_000);
            assertThat(harness.numKeyedStateEntries()).as("p1 still waiting, p2's cancel forgotten").isEqualTo(1);
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
        }
    }

    @Test
    void aCancelThatOvertookItsEntryStillCancelsIt() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(1_000);
            // the purchase (event time 6 s) is processed before the add to cart (5 s) it cancels
            harness.processElement(cancel("o1", "p1", 6_000, "cart_id", "c1"), 6_000);
            harness.processElement(entry("m1", "p1", 5_000, 50_000, "{\"cart_id\":\"c1\"}"), 5_000);
            assertThat(harness.extractOutputValues()).as("nothing left to wait for").isEmpty();
            assertThat(harness.getSideOutput(InstanceGate.RUNS)).extracting(run -> run.getValue().step + " " + run.getValue().eventMessageId)
                    .containsExactly("entered m1", "cancelled o1");
            // an entry after the purchase in event time is not cancelled by it
            harness.processElement(entry("m2", "p1", 7_000, 50_000, "{\"cart_id\":\"c1\"}"), 7_000);
            assertThat(harness.extractOutputValues()).extracting(signal -> signal.role + " " + signal.messageId)
                    .containsExactly("ENTRY m2");
        }
    }

    @Test
    void eachSendTimeEmitsItsDeadlineAndLeavesNoStateOrTimers() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(1_000);
            for (int i = 0; i < 100; i++) {
                harness.processElement(entry("m" + i, "p" + i, 1_000, 5_000 + i, "{}"), 1_000);
            }
            assertThat(harness.numKeyedStateEntries()).isEqualTo(100);
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(100);

            harness.getOutput().clear();
            harness.setProcessingTime(5_049);
            assertThat(harness.numKeyedStateEntries()).isEqualTo(50);
            harness.setProcessingTime(5_099);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
            assertThat(harness.extractOutputValues()).hasSize(100).allSatisfy(signal -> assertThat(signal.role).isEqualTo(Role.DEADLINE));
            // the gate only times: matching the deadline with its entry and firing is CEP's job
            assertThat(harness.getSideOutput(InstanceGate.FIRE_NOW)).isNull();
        }
    }

    @Test
    void parallelInstancesOfOnePersonAreIndependent() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(1_000);
            AutomationSignal first = entry("m1", "p1", 1_000, 50_000, "{\"booking_id\":\"b1\"}");
            first.instanceKey = "b1";
            AutomationSignal second = entry("m2", "p1", 1_000, 50_000, "{\"booking_id\":\"b2\"}");
            second.instanceKey = "b2";
            harness.processElement(first, 1_000);
            harness.processElement(second, 1_000);
            assertThat(runs(harness)).extracting(run -> run.step + " " + run.instanceId).containsExactly("entered m1:b1", "entered m2:b2");
            assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        }
    }

    /**
     * As in {@link WaitPatternTest}: the ended instances' entries and timers leave the files after an idle interval,
     * with the local stack's universal compaction as with leveled.
     */
    @ParameterizedTest
    @EnumSource(value = CompactionStyle.class, names = {"LEVEL", "UNIVERSAL"})
    void anIdleCheckpointAfterManyInstancesEndedCompactsTheirBytesAway(CompactionStyle style) throws Exception {
        int instances = (int) IdleCompaction.AFTER_REMOVED * 2;
        InstanceGateOperator operator = new InstanceGateOperator(new InstanceGate(java.time.Duration.ofSeconds(30)));
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(operator, AutomationSignal::instance, Types.STRING);
        Configuration rocksdb = new Configuration();
        rocksdb.set(RocksDBConfigurableOptions.COMPACTION_STYLE, style);
        harness.setStateBackend(new EmbeddedRocksDBStateBackend(true).configure(rocksdb, getClass().getClassLoader()));
        harness.open();
        try (harness) {
            harness.setProcessingTime(1_000);
            for (int i = 0; i < instances; i++) {
                harness.processElement(entry("m" + i, "p" + i, 1_000, 60_000, "{\"cart_id\":\"c" + i + "\",\"products\":\"" + "x".repeat(300) + "\"}"), 1_000);
            }
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(instances);
            assertThat(checkpoint(harness, 1)).as("the waiting instances").isPositive();

            harness.setProcessingTime(2_000);
            for (int i = 0; i < instances; i++) {
                harness.processElement(cancel("o" + i, "p" + i, 2_000, "cart_id", "c" + i), 2_000);
            }
            assertThat(harness.numProcessingTimeTimers()).isZero();
            assertThat(checkpoint(harness, 2)).as("the cancelled instances' bytes are still in the files").isPositive();
            assertThat(operator.compactions()).as("elements came during the interval").isZero();

            checkpoint(harness, 3);
            assertThat(operator.compactions()).as("a whole interval idle").isEqualTo(1);
            assertThat(checkpoint(harness, 4)).as("no live instance, no data file").isZero();
        }
    }

    static KeyedOneInputStreamOperatorTestHarness<String, AutomationSignal, AutomationSignal> harness() throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(new InstanceGateOperator(new InstanceGate(java.time.Duration.ofSeconds(30))), AutomationSignal::instance, Types.STRING);
        harness.open();
        return harness;
    }

    static List<AutomationRun> runs(KeyedOneInputStreamOperatorTestHarness<String, AutomationSignal, AutomationSignal> harness) {
        var runs = harness.getSideOutput(InstanceGate.RUNS);
        return runs == null ? List.of() : runs.stream().map(StreamRecord::getValue).toList();
    }
}
