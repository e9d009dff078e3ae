package io.sillage.jobs.profile;

import io.sillage.lakehouse.identity.ProjectIdentityRules;
import io.sillage.lakehouse.event.CollectedEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two stitching operators in Flink test harnesses, wired together by hand the way the feedback topic wires
 * them in the job: directory output to profiles, profile feedback back to either.
 */
class StitchingOperatorsTest {
    private static final String PROJECT = "prj_test";
    private static final Duration FLUSH = Duration.ofSeconds(1);

    private static final class Wiring implements AutoCloseable {
        KeyedOneInputStreamOperatorTestHarness<String, StitchMessage, StitchMessage> directory;
        KeyedOneInputStreamOperatorTestHarness<String, StitchMessage, ProfileSnapshot> profiles;
        private final Deque<StitchMessage> pending = new ArrayDeque<>();

        Wiring() throws Exception {
            this(false);
        }

        /** {@code rocksDb}: the profiles' state serialized, so that a change made only to an object in memory is lost. */
        Wiring(boolean rocksDb) throws Exception {
            directory = directoryHarness(null);
            profiles = profileHarness(null, rocksDb);
        }

        void send(List<String> identifiers, ProfileEvent event) throws Exception {
            pending.add(StitchMessage.route(PROJECT, identifiers, event));
            pump();
        }

        void pump() throws Exception {
            while (!pending.isEmpty()) {
                StitchMessage message = pending.poll();
                if (message.kind.toIdentifier()) {
                    directory.processElement(new StreamRecord<>(message));
                    drain(directory.getOutput());
                }
                else {
                    profiles.processElement(new StreamRecord<>(message));
                    ConcurrentLinkedQueue<StreamRecord<StitchMessage>> feedback = profiles.getSideOutput(ProfileFunction.FEEDBACK);
                    if (feedback != null) {
                        while (!feedback.isEmpty()) {
                            pending.add(feedback.poll().getValue());
                        }
                    }
                }
            }
        }

        @SuppressWarnings("unchecked")
        private void drain(ConcurrentLinkedQueue<Object> output) {
            Object[] records = output.toArray();
            output.clear();
            for (Object record : records) {
                if (record instanceof StreamRecord<?> streamRecord) {
                    pending.add(((StreamRecord<StitchMessage>) streamRecord).getValue());
                }
            }
        }

        @Override
        public void close() throws Exception {
            directory.close();
            profiles.close();
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, StitchMessage, StitchMessage> directoryHarness(OperatorSubtaskState restore) throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new DirectoryFunction(Duration.ofDays(365))), StitchMessage::key, Types.STRING);
        if (restore != null) {
            harness.initializeState(restore);
        }
        harness.open();
        return harness;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, StitchMessage, ProfileSnapshot> profileHarness(OperatorSubtaskState restore) throws Exception {
        return profileHarness(restore, false);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, StitchMessage, ProfileSnapshot> profileHarness(OperatorSubtaskState restore, boolean rocksDb) throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ProfileFunction(ProjectIdentityRules.defaults(), FLUSH)), StitchMessage::key, Types.STRING);
        if (rocksDb) {
            harness.setStateBackend(new EmbeddedRocksDBStateBackend());
        }
        if (restore != null) {
            harness.initializeState(restore);
        }
        harness.open();
        return harness;
    }

    /**
     * The events of a visit read the profile from the function's cache of what it wrote, not from RocksDB: a
     * checkpoint taken mid-visit still holds every change (written through), and both the running operator and one
     * restored from that checkpoint flush the profile with all of them. On RocksDB: with the heap backend the cached
     * object is the stored one, and a change left unwritten would go unnoticed.
     */
    @Test
    void aCheckpointInTheMiddleOfAVisitHoldsEveryChange() throws Exception {
        OperatorSubtaskState profileSnapshot;
        try (Wiring wiring = new Wiring(true)) {
            wiring.profiles.setProcessingTime(0);
            for (int i = 1; i <= 5; i++) {
                wiring.send(List.of("anonymous_id:A"), StitchingProtocolTest.track("m" + i, i * 1_000L, "Product Viewed"));
            }
            profileSnapshot = wiring.profiles.snapshot(1, 1);
            wiring.send(List.of("anonymous_id:A"), StitchingProtocolTest.track("m6", 6_000, "Product Viewed"));
            wiring.profiles.setProcessingTime(FLUSH.toMillis());
            assertThat(wiring.profiles.extractOutputValues()).extracting(snapshot -> snapshot.state.eventCount).containsExactly(6L);

            wiring.send(List.of("anonymous_id:A"), StitchingProtocolTest.track("m7", 7_000, "Product Viewed"));
            wiring.profiles.setProcessingTime(2 * FLUSH.toMillis());
            assertThat(wiring.profiles.extractOutputValues()).extracting(snapshot -> snapshot.state.eventCount).containsExactly(6L, 7L);
        }
        try (var profiles = profileHarness(profileSnapshot, true)) {
            profiles.setProcessingTime(FLUSH.toMillis());
            assertThat(profiles.extractOutputValues()).as("the restored timer flushes the five events of the checkpoint")
                    .extracting(snapshot -> snapshot.state.eventCount).containsExactly(5L);
            assertThat(profiles.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void mergesTwoDevicesAndWritesOneSnapshotPerProfilePerInterval() throws Exception {
        try (Wiring wiring = new Wiring()) {
            wiring.profiles.setProcessingTime(0);
            wiring.send(List.of("anonymous_id:A"), StitchingProtocolTest.track("m1", 1_000, "Product Added"));
            wiring.send(List.of("anonymous_id:B"), StitchingProtocolTest.track("m2", 2_000, "Application Opened"));
            wiring.send(List.of("user_id:42", "email:jane@example.com", "anonymous_id:B"), StitchingProtocolTest.identify("m3", 3_000, "{\"first_name\":\"Jane\"}"));
            wiring.send(List.of("user_id:42", "anonymous_id:A"), StitchingProtocolTest.identify("m4", 4_000, "{}"));
            assertThat(wiring.profiles.extractOutputValues()).as("nothing written before the flush timer").isEmpty();
            assertThat(wiring.profiles.numProcessingTimeTimers()).isEqualTo(3);

            wiring.profiles.setProcessingTime(FLUSH.toMillis());

            List<ProfileState> snapshots = wiring.profiles.extractOutputValues().stream().map(snapshot -> snapshot.state).toList();
            String survivor = ProfileIds.create(PROJECT, "anonymous_id:A", 1_000);
            assertThat(snapshots).hasSize(3);
            ProfileState live = snapshots.stream().filter(ProfileState::alive).findFirst().orElseThrow();
            assertThat(live.profileId).isEqualTo(survivor);
            assertThat(live.identifiers).containsExactlyInAnyOrder("anonymous_id:A", "anonymous_id:B", "user_id:42", "email:jane@example.com");
            assertThat(live.eventCount).isEqualTo(4);
            assertThat(snapshots).filteredOn(snapshot -> !snapshot.alive()).allSatisfy(merged -> assertThat(merged.identifiers).isEmpty());
            assertThat(wiring.profiles.numProcessingTimeTimers()).as("timers left behind").isZero();
            assertThat(wiring.profiles.getSideOutput(ProfileFunction.DECISIONS)).extracting(record -> record.getValue().decision)
                    .containsOnly(MergeDecision.MERGED).hasSize(2);
            // state: three profiles (one alive, two pointers), nothing waiting
            assertThat(wiring.profiles.numKeyedStateEntries()).isEqualTo(3);
            // directory: four identifiers, one owner each
            assertThat(wiring.directory.numKeyedStateEntries()).isEqualTo(4);
        }
    }

    @Test
    void aMergeInterruptedByARestoreCompletesFromTheSnapshot() throws Exception {
        Wiring wiring = new Wiring();
        wiring.send(List.of("anonymous_id:A"), StitchingProtocolTest.track("m1", 1_000, "Product Added"));
        wiring.send(List.of("user_id:7"), StitchingProtocolTest.identify("m2", 2_000, "{\"plan\":\"gold\"}"));
        // the linking event: user 7's profile claims A, the directory answers with a LINK; stop before the offer is answered
        wiring.profiles.processElement(new StreamRecord<>(StitchMessage.link(PROJECT, ProfileIds.create(PROJECT, "user_id:7", 2_000),
                ProfileIds.create(PROJECT, "anonymous_id:A", 1_000), "anonymous_id:A", ProfileIds.create(PROJECT, "user_id:7", 2_000), "m3", 3_000)));
        StitchMessage offer = wiring.profiles.getSideOutput(ProfileFunction.FEEDBACK).poll().getValue();
        assertThat(offer.kind).isEqualTo(StitchMessage.Kind.OFFER);
        // an event for the offering profile waits in state while the offer is out
        wiring.profiles.processElement(new StreamRecord<>(StitchMessage.apply(PROJECT, ProfileIds.create(PROJECT, "user_id:7", 2_000), "user_id:7",
                List.of("user_id:7"), StitchingProtocolTest.track("m4", 4_000, "Page Viewed"), false)));

        OperatorSubtaskState directorySnapshot = wiring.directory.snapshot(1, 1);
        OperatorSubtaskState profileSnapshot = wiring.profiles.snapshot(1, 1);
        wiring.close();

        try (Wiring restored = new Wiring()) {
            restored.directory.close();
            restored.profiles.close();
            restored.directory = directoryHarness(directorySnapshot);
            restored.profiles = profileHarness(profileSnapshot);
            restored.profiles.setProcessingTime(0);
            // the feedback topic delivers the offer again after the restore
            restored.pending.add(offer);
            restored.pump();
            restored.profiles.setProcessingTime(FLUSH.toMillis());

            ProfileState live = restored.profiles.extractOutputValues().stream().map(snapshot -> snapshot.state).filter(ProfileState::alive).findFirst().orElseThrow();
            assertThat(live.profileId).isEqualTo(ProfileIds.create(PROJECT, "anonymous_id:A", 1_000));
            assertThat(live.identifiers).containsExactlyInAnyOrder("anonymous_id:A", "user_id:7");
            assertThat(live.eventCount).as("m1, m2 and the event that waited").isEqualTo(3);
            assertThat(live.traits).containsKey("plan");
            assertThat(restored.profiles.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void anonymousIdsUnusedForTheTtlLeaveTheDirectoryOtherIdentifiersStay() throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new DirectoryFunction(Duration.ofDays(30))), StitchMessage::key, Types.STRING);
        harness.open();
        harness.setStateTtlProcessingTime(0);
        harness.processElement(new StreamRecord<>(StitchMessage.route(PROJECT, List.of("anonymous_id:A"), StitchingProtocolTest.track("m1", 1_000, "Page Viewed"))));
        harness.processElement(new StreamRecord<>(StitchMessage.route(PROJECT, List.of("user_id:1"), StitchingProtocolTest.track("m2", 1_000, "Page Viewed"))));
        String first = harness.extractOutputValues().get(0).target;

        // used again before the TTL: same profile, and the use renews the entry
        harness.setStateTtlProcessingTime(Duration.ofDays(29).toMillis());
        harness.processElement(new StreamRecord<>(StitchMessage.route(PROJECT, List.of("anonymous_id:A"), StitchingProtocolTest.track("m3", 2_000, "Page Viewed"))));
        assertThat(harness.extractOutputValues().get(2).target).isEqualTo(first);

        // 31 days later without use: the anonymous id is forgotten (a new profile), the user id is not
        harness.setStateTtlProcessingTime(Duration.ofDays(61).toMillis());
        harness.processElement(new StreamRecord<>(StitchMessage.route(PROJECT, List.of("anonymous_id:A"), StitchingProtocolTest.track("m4", 3_000, "Page Viewed"))));
        harness.processElement(new StreamRecord<>(StitchMessage.route(PROJECT, List.of("user_id:1"), StitchingProtocolTest.track("m5", 3_000, "Page Viewed"))));
        List<StitchMessage> out = harness.extractOutputValues();
        assertThat(out.get(3).target).isNotEqualTo(first).isEqualTo(ProfileIds.create(PROJECT, "anonymous_id:A", 3_000));
        assertThat(out.get(4).target).isEqualTo(out.get(1).target);
        assertThat(harness.getSideOutput(DirectoryFunction.LINKS)).extracting(record -> record.getValue().identifier())
                .containsExactly("anonymous_id:A", "user_id:1", "anonymous_id:A");
        harness.close();
    }

    @Test
    void typesCrossingOperatorsAreSerializedWithoutKryo() {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(ProfileSnapshot.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(MergeDecision.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(IdentityLink.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(IdentifiedEvent.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(CollectedEvent.class);
    }

    @Test
    void stitchMessagesSurviveTheFeedbackTopicFormat() throws Exception {
        ProfileState state = ProfileState.create(PROJECT, "p", 1);
        state.identifiers.add("email:a@example.com");
        state.traits.put("name", new ProfileState.TraitValue("\"A\"", 5, "web", "m1"));
        state.subscriptions.put("email", new ProfileState.Subscription("email", null, null, "opted_in", 5, "web", "m1"));
        StitchMessage absorb = StitchMessage.absorb(PROJECT, "root", "p", state, StitchMessage.link(PROJECT, "p", "root", "email:a@example.com", "p", "m9", 9));
        StitchMessage read = FeedbackSerde.fromJson(FeedbackSerde.toJson(absorb));
        assertThat(read).usingRecursiveComparison().isEqualTo(absorb);
    }
}
