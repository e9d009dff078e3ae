package io.sillage.jobs.automation;

import io.sillage.jobs.automation.AutomationSignal.Role;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by instance ({@link AutomationSignal#instance()}), in arrival order, before the CEP operator: applies the
 * re-entry rule (while an instance waits, another entry for the same key is suppressed), records {@code entered}
 * with the send time, sends entries whose send time has already come straight to {@link #FIRE_NOW} (no wait, so
 * no pattern to run), and passes only the cancel and exit events that end the waiting instance on to CEP.
 *
 * <p>State: the waiting entry, cleared when it ends or at its send time by a processing-time timer.
 */
public class InstanceGate extends KeyedProcessFunction<String, AutomationSignal, AutomationSignal> {
    public static final OutputTag<AutomationSignal> FIRE_NOW = new OutputTag<>("automation-fire-now") {};
    public static final OutputTag<AutomationRun> RUNS = new OutputTag<>("automation-gate-runs") {};

    private transient ValueState<AutomationSignal> waiting;

    @Override
    public void open(OpenContext openContext) {
        waiting = getRuntimeContext().getState(new ValueStateDescriptor<>("waiting-entry", AutomationSignal.class));
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
            if (signal.deadlineMillis <= now) {
                AutomationSignal fire = signal.copy(Role.FIRE);
                fire.factsCurrent = true;
                context.output(FIRE_NOW, fire);
                return;
            }
            if (current != null) {
                context.timerService().deleteProcessingTimeTimer(current.deadlineMillis);
            }
            waiting.update(signal);
            context.timerService().registerProcessingTimeTimer(signal.deadlineMillis);
            out.collect(signal);
            out.collect(signal.deadline());
            return;
        }
        if (current != null && signal.eventTimeMillis >= current.eventTimeMillis && AutomationSignal.ends(current, signal)) {
            context.timerService().deleteProcessingTimeTimer(current.deadlineMillis);
            waiting.clear();
            out.collect(signal);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<AutomationSignal> out) throws Exception {
        AutomationSignal current = waiting.value();
        if (current != null && current.deadlineMillis <= timestamp) {
            waiting.clear();
        }
    }
}
