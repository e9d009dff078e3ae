package io.sillage.jobs.profile;

import io.sillage.lakehouse.identity.ProjectIdentityRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Flink side of {@link ProfileLogic}, keyed by project and profile id.
 *
 * <p>State: the {@link ProfileState}, and the messages that wait while the profile's merge offer is answered.
 * Outputs: profile snapshots (main output), at most one per profile per {@code flushInterval}: a change
 * registers a processing-time timer at the next interval boundary and the timer emits the state as it is then,
 * so a profile receiving a thousand events a second is written once a second. Messages for identifiers and
 * other profiles go to {@link #FEEDBACK}, merge decisions to {@link #DECISIONS}.
 */
public class ProfileFunction extends KeyedProcessFunction<String, StitchMessage, ProfileSnapshot> {
    public static final OutputTag<StitchMessage> FEEDBACK = new OutputTag<>("stitch-feedback") {};
    public static final OutputTag<MergeDecision> DECISIONS = new OutputTag<>("merge-decisions") {};
    /** Every applied event with the live profile it now belongs to, for automations. */
    public static final OutputTag<AttributedEvent> ATTRIBUTED = new OutputTag<>("attributed-events") {};

    private final ProfileLogic logic;
    private final long flushMillis;
    private transient ValueState<ProfileState> profile;
    private transient ListState<StitchMessage> waiting;
    private transient Counter merges;
    private transient Counter refusals;
    private transient HeldMessages held;
    private transient Outputs outputs;
    /**
     * The flush timer pending for each key changed since its last flush. A change while one is pending registers
     * nothing: that timer emits the state as it is when it fires, this change included. Registering a timer at the
     * next boundary instead, when the pending one fires late under load (its time has passed, the mailbox has not
     * run it yet), wrote the same version twice. In memory only: after a restore it starts empty, the next change
     * registers a timer, and {@link #onTimer} drops whichever of the two fires second.
     */
    private transient Map<String, Long> flushes;
    /**
     * The state of each key in {@link #flushes} as this function last wrote it: the next events of a visit, and the
     * flush, read it from here instead of reading and deserializing it from RocksDB again (a fifth of the profile
     * operator's time). Written through, so the keyed state always holds the same and a checkpoint needs nothing
     * from here. An element that leaves the object changed but unwritten drops its entry, and the flush takes it out:
     * an object emitted in a snapshot is never changed afterwards.
     */
    private transient Map<String, ProfileState> written;

    public ProfileFunction(ProjectIdentityRules rules, Duration flushInterval) {
        this.logic = new ProfileLogic(rules);
        this.flushMillis = Math.max(1, flushInterval.toMillis());
    }

    @Override
    public void open(OpenContext openContext) {
        profile = getRuntimeContext().getState(new ValueStateDescriptor<>("profile", ProfileState.class));
        waiting = getRuntimeContext().getListState(new ListStateDescriptor<>("waiting", StitchMessage.class));
        merges = getRuntimeContext().getMetricGroup().counter("profileMerges");
        refusals = getRuntimeContext().getMetricGroup().counter("profileMergesRefused");
        held = new HeldMessages();
        outputs = new Outputs();
        flushes = new HashMap<>();
        written = new HashMap<>();
    }

    @Override
    public void processElement(StitchMessage message, Context context, Collector<ProfileSnapshot> out) throws Exception {
        String key = context.getCurrentKey();
        ProfileState before = written.get(key);
        if (before == null) {
            before = profile.value();
        }
        long versionBefore = before == null ? -1 : before.version;
        String mergedIntoBefore = before == null ? null : before.mergedInto;
        String pendingBefore = before == null ? null : before.pendingOffer;
        outputs.context = context;
        ProfileState after = logic.handle(before, message, held, outputs);
        boolean changed = after.version != versionBefore
                || !Objects.equals(after.mergedInto, mergedIntoBefore)
                || !Objects.equals(after.pendingOffer, pendingBefore);
        boolean creates = before == null && (message.kind == StitchMessage.Kind.APPLY || message.kind == StitchMessage.Kind.OFFER || message.kind == StitchMessage.Kind.ABSORB);
        if (changed || creates) {
            profile.update(after);
        }
        if (after.version != versionBefore && !flushes.containsKey(key)) {
            long flushAt = (context.timerService().currentProcessingTime() / flushMillis + 1) * flushMillis;
            flushes.put(key, flushAt);
            context.timerService().registerProcessingTimeTimer(flushAt);
        }
        if ((changed || creates) && flushes.containsKey(key)) {
            written.put(key, after);
        }
        else {
            written.remove(key);
        }
    }

    /** The keyed list state of messages held during an offer, for the current key. */
    private final class HeldMessages implements ProfileLogic.Waiting {
        @Override
        public void add(StitchMessage message) {
            try {
                waiting.add(message);
            }
            catch (Exception e) {
                throw new IllegalStateException("Cannot hold a message while a merge offer is pending", e);
            }
        }

        @Override
        public List<StitchMessage> drain() {
            try {
                List<StitchMessage> messages = new ArrayList<>();
                waiting.get().forEach(messages::add);
                waiting.clear();
                return messages;
            }
            catch (Exception e) {
                throw new IllegalStateException("Cannot read the messages held during a merge offer", e);
            }
        }
    }

    /** Side outputs of the element being processed (one instance, pointed at each element's context). */
    private final class Outputs implements ProfileLogic.Output {
        private Context context;

        @Override
        public void send(StitchMessage message) {
            context.output(FEEDBACK, message);
        }

        @Override
        public void decide(MergeDecision decision) {
            (MergeDecision.MERGED.equals(decision.decision) ? merges : refusals).inc();
            context.output(DECISIONS, decision);
        }

        @Override
        public void applied(ProfileState state, StitchMessage message) {
            context.output(ATTRIBUTED, AttributedEvent.of(state, message.identifier, message.event));
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<ProfileSnapshot> out) throws Exception {
        // After a restore, a change registers its own timer while the restored one is still pending; this
        // snapshot includes the change, so the later timer would only repeat it (same version, later changed_at).
        Long registered = flushes.remove(context.getCurrentKey());
        if (registered != null && registered != timestamp) {
            context.timerService().deleteProcessingTimeTimer(registered);
        }
        ProfileState state = written.remove(context.getCurrentKey());
        if (state == null) {
            state = profile.value();
        }
        if (state != null) {
            out.collect(ProfileSnapshot.of(state, timestamp));
        }
    }
}
