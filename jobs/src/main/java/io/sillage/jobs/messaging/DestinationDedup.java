package io.sillage.jobs.messaging;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Dedup by destination, keyed by source and destination ({@link Delivery#destinationKey()}): when several profiles
 * share an address (a family email, profiles not merged), a marketing message of one automation reaches the address
 * once per {@code messaging.destination-window}; the others are suppressed with {@code duplicate_destination}. The
 * same profile is not held back (its own repeats are the automation's grace and capping), transactional messages
 * (each person's order confirmation matters) and webhooks (one URL for everyone) pass.
 *
 * <p>State per source and address: the last profile sent to and when, cleared by a timer once the window passed.
 */
public class DestinationDedup extends KeyedProcessFunction<String, Delivery, Delivery> {
    public static final OutputTag<Message> MESSAGES = new OutputTag<>("messaging-destination-messages") {};

    private final long windowMillis;
    private transient ValueState<String> lastProfile;
    private transient ValueState<Long> lastSentAt;

    public DestinationDedup(long windowMillis) {
        this.windowMillis = windowMillis;
    }

    @Override
    public void open(OpenContext openContext) {
        lastProfile = getRuntimeContext().getState(new ValueStateDescriptor<>("last-profile", Types.STRING));
        lastSentAt = getRuntimeContext().getState(new ValueStateDescriptor<>("last-sent-at", Types.LONG));
    }

    @Override
    public void processElement(Delivery delivery, Context context, Collector<Delivery> out) throws Exception {
        if (!delivery.marketing() || "webhook".equals(delivery.channel)) {
            out.collect(delivery);
            return;
        }
        long now = context.timerService().currentProcessingTime();
        Long last = lastSentAt.value();
        if (last != null && now < last + windowMillis && !delivery.profileId.equals(lastProfile.value())) {
            context.output(MESSAGES, Message.of(delivery, Message.SUPPRESSED, "duplicate_destination", now));
            return;
        }
        lastProfile.update(delivery.profileId);
        lastSentAt.update(now);
        context.timerService().registerProcessingTimeTimer(now + windowMillis);
        out.collect(delivery);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<Delivery> out) throws Exception {
        Long last = lastSentAt.value();
        if (last != null && last + windowMillis <= timestamp) {
            lastProfile.clear();
            lastSentAt.clear();
        }
    }
}
