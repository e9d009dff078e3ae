package io.sillage.jobs.messaging;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * What follows an attempt, keyed by message ({@link Delivery#key()}): the status rows of the outcome, and the
 * waiting. A temporary failure is recorded {@code retrying} and the message waits in state until the time the
 * connector's retry policy gave, as its next attempt; a deferred message (connector busy or rate limited, an earlier
 * attempt possibly still running) waits without a row and keeps its attempt number. When the wait ends, the
 * message goes to {@link #RETRIES} (the retry topic, read back in front of routing: Flink 2 has no loops in a job
 * graph). After the last attempt: {@code dead_letter}, and the message on {@link #DEAD_LETTERS}.
 *
 * <p>State per message: the waiting message (without its connector configuration), cleared when the timer fires.
 */
public class DeliveryOutcomes extends KeyedProcessFunction<String, SendResult, Message> {
    public static final OutputTag<Delivery> RETRIES = new OutputTag<>("messaging-retries") {};
    public static final OutputTag<SendResult> DEAD_LETTERS = new OutputTag<>("messaging-dead-letters") {};

    private transient ValueState<Delivery> waiting;

    @Override
    public void open(OpenContext openContext) {
        waiting = getRuntimeContext().getState(new ValueStateDescriptor<>("waiting", TypeInformation.of(Delivery.class)));
    }

    @Override
    public void processElement(SendResult result, Context context, Collector<Message> out) throws Exception {
        Delivery delivery = result.delivery;
        long at = result.completedAtMillis;
        switch (result.outcome) {
            case SendResult.SENT, SendResult.ALREADY_SENT ->
                    out.collect(Message.of(delivery, Message.SENT, result.reason, at).attempt(delivery.attempt).providerMessageId(result.providerMessageId));
            case SendResult.FAILED, SendResult.ALREADY_FAILED ->
                    out.collect(Message.of(delivery, Message.FAILED, result.reason, at).attempt(delivery.attempt));
            case SendResult.DEAD_LETTER -> {
                out.collect(Message.of(delivery, Message.DEAD_LETTER, result.reason, at).attempt(delivery.attempt));
                context.output(DEAD_LETTERS, result);
            }
            case SendResult.RETRY -> {
                out.collect(Message.of(delivery, Message.RETRYING, result.reason, at).attempt(delivery.attempt));
                Delivery next = delivery.withoutConnector();
                next.attempt = delivery.attempt + 1;
                wait(next, result.notBeforeMillis, context);
            }
            case SendResult.DEFERRED -> wait(delivery.withoutConnector(), result.notBeforeMillis, context);
            default -> throw new IllegalStateException("unknown send outcome " + result.outcome);
        }
    }

    private void wait(Delivery delivery, long until, Context context) throws Exception {
        waiting.update(delivery);
        context.timerService().registerProcessingTimeTimer(Math.max(until, context.timerService().currentProcessingTime() + 1));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<Message> out) throws Exception {
        Delivery delivery = waiting.value();
        if (delivery != null) {
            waiting.clear();
            context.output(RETRIES, delivery);
        }
    }
}
