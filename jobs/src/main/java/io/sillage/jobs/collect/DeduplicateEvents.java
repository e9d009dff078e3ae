package io.sillage.jobs.collect;

import io.sillage.lakehouse.event.CollectedEvent;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Lets the first event of each (project, messageId) through and drops repeats seen within the window.
 *
 * <p>Keyed by {@link CollectedEvent#dedupKey()}. State: one boolean per key, expired by state TTL
 * (processing time, set on create) after the window, so state is bounded by the traffic of one window.
 */
public class DeduplicateEvents extends KeyedProcessFunction<String, CollectedEvent, CollectedEvent> {
    private final Duration window;
    private transient ValueState<Boolean> seen;
    private transient Counter duplicates;

    public DeduplicateEvents(Duration window) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("Invalid dedup window: " + window);
        }
        this.window = window;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<Boolean> descriptor = new ValueStateDescriptor<>("seen", Boolean.class);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(window)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .cleanupFullSnapshot()
                .build());
        seen = getRuntimeContext().getState(descriptor);
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicateEvents");
    }

    @Override
    public void processElement(CollectedEvent event, Context context, Collector<CollectedEvent> out) throws Exception {
        if (seen.value() != null) {
            duplicates.inc();
            return;
        }
        seen.update(Boolean.TRUE);
        out.collect(event);
    }
}
