package io.sillage.jobs.messaging;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The project-wide marketing pressure cap, keyed by person ({@link Delivery#personKey()}): at most
 * {@code messaging.pressure-cap} marketing messages per person in any rolling {@code messaging.pressure-window}
 * (default 3 per 1d), across channels and sources; one more is suppressed with {@code pressure_cap}. Transactional
 * messages and webhooks are neither capped nor counted. A message counts when it passes here, before rendering and
 * sending (a message that then fails still used its slot). A cap of 0 or less turns it off.
 *
 * <p>State per person: the times of the marketing messages let through within the window, pruned by a timer.
 */
public class PressureCap extends KeyedProcessFunction<String, Delivery, Delivery> {
    public static final OutputTag<Message> MESSAGES = new OutputTag<>("messaging-pressure-messages") {};

    private final int cap;
    private final long windowMillis;
    private transient ListState<Long> sends;

    public PressureCap(int cap, long windowMillis) {
        this.cap = cap;
        this.windowMillis = windowMillis;
    }

    @Override
    public void open(OpenContext openContext) {
        sends = getRuntimeContext().getListState(new ListStateDescriptor<>("marketing-sends", Types.LONG));
    }

    @Override
    public void processElement(Delivery delivery, Context context, Collector<Delivery> out) throws Exception {
        if (cap <= 0 || !delivery.marketing() || "webhook".equals(delivery.channel)) {
            out.collect(delivery);
            return;
        }
        long now = context.timerService().currentProcessingTime();
        List<Long> recent = within(now);
        if (recent.size() >= cap) {
            context.output(MESSAGES, Message.of(delivery, Message.SUPPRESSED, "pressure_cap", now));
            return;
        }
        recent.add(now);
        sends.update(recent);
        context.timerService().registerProcessingTimeTimer(now + windowMillis);
        out.collect(delivery);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<Delivery> out) throws Exception {
        List<Long> recent = within(timestamp);
        if (recent.isEmpty()) {
            sends.clear();
        }
        else {
            sends.update(recent);
        }
    }

    /** The sends still in the window ending at {@code now}. */
    private List<Long> within(long now) throws Exception {
        List<Long> recent = new ArrayList<>();
        for (Long sent : sends.get()) {
            if (sent > now - windowMillis) {
                recent.add(sent);
            }
        }
        return recent;
    }
}
