package io.sillage.jobs.automation;

import io.sillage.jobs.automation.AutomationSignal.Role;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event time for the CEP operator, driven by the wall clock so that waits fire on time on an idle stream:
 * the watermark is {@code now - delay}, emitted periodically whether or not signals arrive. Signals carry their
 * event time (deadline markers their send time); a signal whose time is already behind the watermark (an event
 * that arrived more than {@code delay} late) is moved to just after it rather than dropped, so it still counts,
 * in arrival order.
 */
public final class AutomationClock implements WatermarkStrategy<AutomationSignal> {
    private final long delayMillis;
    /** Shared by this subtask's assigner and generator (the strategy is deserialized once per subtask). */
    private transient long[] lastWatermark;

    public AutomationClock(Duration delay) {
        this.delayMillis = delay.toMillis();
    }

    private long[] lastWatermark() {
        if (lastWatermark == null) {
            lastWatermark = new long[] {Long.MIN_VALUE};
        }
        return lastWatermark;
    }

    @Override
    public TimestampAssigner<AutomationSignal> createTimestampAssigner(TimestampAssignerSupplier.Context context) {
        long[] watermark = lastWatermark();
        return (signal, recordTimestamp) -> {
            long time = signal.role == Role.DEADLINE ? signal.deadlineMillis : signal.eventTimeMillis;
            return Math.max(time, watermark[0] + 1);
        };
    }

    @Override
    public WatermarkGenerator<AutomationSignal> createWatermarkGenerator(WatermarkGeneratorSupplier.Context context) {
        long[] watermark = lastWatermark();
        return new WatermarkGenerator<>() {
            @Override
            public void onEvent(AutomationSignal event, long eventTimestamp, WatermarkOutput output) {}

            @Override
            public void onPeriodicEmit(WatermarkOutput output) {
                long next = System.currentTimeMillis() - delayMillis;
                if (next > watermark[0]) {
                    watermark[0] = next;
                    output.emitWatermark(new Watermark(next));
                }
            }
        };
    }
}
