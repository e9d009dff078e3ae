package io.sillage.jobs.automation;

import io.sillage.jobs.automation.AutomationSignal.Role;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by instance ({@link AutomationSignal#instance()}), in arrival order, before the CEP operator: applies the
 * re-entry rule (while an instance waits, another entry for the same key is suppressed), records {@code entered}
 * with the send time, sends entries whose send time has already come straight to {@link #FIRE_NOW} (no wait, so
 * no pattern to run), and passes on to CEP the entry, then only the cancel or exit event that ends it, or, when
 * the send time comes first, its deadline marker.
 *
 * <p>The gate is the clock of the waits: one processing-time timer per waiting instance, at its send time, emits
 * the deadline marker. CEP can express a wait only as a {@code within} fixed per pattern, and its event-time
 * mode pays for every waiting instance at every timer (see {@link WaitPattern}); a timer here expresses waits
 * relative to a date in the event too, fires with no traffic at all, and costs one RocksDB entry per instance.
 *
 * <p>An end event counts only if it happened (event time) between the entry and the send time. Events of one
 * person can reach the gate out of order (the collect stage deduplicates keyed by messageId): a cancel or exit
 * that finds no waiting entry is remembered for {@code reorderWindow}, and an entry that arrives after an end
 * event later than itself in event time is cancelled (or exited) at once.
 *
 * <p>State: the waiting entry, cleared when it ends or at its send time, and the end events of the last
 * {@code reorderWindow}, each dropped by a processing-time timer.
 */
public class InstanceGate extends KeyedProcessFunction<String, AutomationSignal, AutomationSignal> {
    public static final OutputTag<AutomationSignal> FIRE_NOW = new OutputTag<>("automation-fire-now") {};
    public static final OutputTag<AutomationRun> RUNS = new OutputTag<>("automation-gate-runs") {};

    private final long reorderMillis;
    private transient ValueState<AutomationSignal> waiting;
    /** End events that found no waiting entry, by the time they are forgotten. */
    private transient MapState<Long, List<AutomationSignal>> recentEnds;
    /** Entries and timers removed since {@link #takeRemoved} last ran (for the operator's idle compaction). */
    private transient long removed;

    public InstanceGate(Duration reorderWindow) {
        this.reorderMillis = reorderWindow.toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        waiting = getRuntimeContext().getState(new ValueStateDescriptor<>("waiting-entry", AutomationSignal.class));
        recentEnds = getRuntimeContext().getMapState(new MapStateDescriptor<>("recent-ends", Types.LONG,
                Types.LIST(TypeInformation.of(AutomationSignal.class))));
    }

    @Override
    public void processElement(AutomationSignal signal, Context context, Collector<AutomationSignal> out) throws Exception {
        long now = context.timerService().currentProcessingTime();
        AutomationSignal current = waiting.value();
        if (signal.role == Role.ENTRY) {
            if (current != null && current.deadlineMillis > now) {
                context.output(RUNS, AutomationRun.of(signal, AutomationRun.SUPPRESSED, "reentry", signal.messageId, now)
                        .waitingUntil(current.deadlineMillis));
                return;
            }
            context.output(RUNS, AutomationRun.of(signal, AutomationRun.ENTERED, null, signal.messageId, now).waitingUntil(signal.deadlineMillis));
            AutomationSignal earlyEnd = earlyEnd(signal);
            if (earlyEnd != null) {
                String step = earlyEnd.role == Role.CANCEL ? AutomationRun.CANCELLED : AutomationRun.EXITED;
                context.output(RUNS, AutomationRun.of(signal, step, earlyEnd.event, earlyEnd.messageId, now));
                return;
            }
            if (signal.deadlineMillis <= now) {
                AutomationSignal fire = signal.copy(Role.FIRE);
                fire.factsCurrent = true;
                context.output(FIRE_NOW, fire);
                return;
            }
            if (current != null) {
                // its send time has come but its timer has not run yet: it fires first
                context.timerService().deleteProcessingTimeTimer(current.deadlineMillis);
                out.collect(current.deadline());
            }
            waiting.update(signal);
            context.timerService().registerProcessingTimeTimer(signal.deadlineMillis);
            out.collect(signal);
            return;
        }
        if (current != null && signal.eventTimeMillis >= current.eventTimeMillis && signal.eventTimeMillis <= current.deadlineMillis
                && AutomationSignal.ends(current, signal)) {
            context.timerService().deleteProcessingTimeTimer(current.deadlineMillis);
            waiting.clear();
            removed++;
            out.collect(signal);
        }
        else if (current == null && reorderMillis > 0) {
            long forgetAt = now + reorderMillis;
            List<AutomationSignal> ends = recentEnds.get(forgetAt);
            ends = ends == null ? new ArrayList<>() : new ArrayList<>(ends);
            ends.add(signal);
            recentEnds.put(forgetAt, ends);
            context.timerService().registerProcessingTimeTimer(forgetAt);
        }
    }

    /** An end event that arrived before {@code entry} but happened after it, or null. */
    private AutomationSignal earlyEnd(AutomationSignal entry) throws Exception {
        for (List<AutomationSignal> ends : recentEnds.values()) {
            for (AutomationSignal end : ends) {
                if (end.eventTimeMillis >= entry.eventTimeMillis && AutomationSignal.ends(entry, end)) {
                    return end;
                }
            }
        }
        return null;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<AutomationSignal> out) throws Exception {
        AutomationSignal current = waiting.value();
        if (current != null && current.deadlineMillis <= timestamp) {
            waiting.clear();
            out.collect(current.deadline());
        }
        recentEnds.remove(timestamp);
        removed++;
    }

    /** How many entries and timers were removed since the last call. */
    long takeRemoved() {
        long taken = removed;
        removed = 0;
        return taken;
    }
}
