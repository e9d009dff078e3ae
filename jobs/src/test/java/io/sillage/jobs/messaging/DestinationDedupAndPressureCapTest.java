package io.sillage.jobs.messaging;

import static io.sillage.jobs.messaging.Fixtures.DAY;
import static io.sillage.jobs.messaging.Fixtures.HOUR;
import static io.sillage.jobs.messaging.Fixtures.T0;
import static io.sillage.jobs.messaging.Fixtures.delivery;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;

/** The two keyed stages after the decision: dedup by destination (per source and address), then the pressure cap (per person). */
class DestinationDedupAndPressureCapTest {

    @Test
    void aSharedAddressGetsAnAutomationsMarketingMessageOncePerWindow() throws Exception {
        try (var harness = dedup()) {
            harness.processElement(new StreamRecord<>(delivery("k1", "ann", "email", "family@example.com")));
            harness.processElement(new StreamRecord<>(delivery("k2", "bob", "email", "Family@Example.com")));
            harness.processElement(new StreamRecord<>(delivery("k3", "ann", "email", "family@example.com")));
            Delivery otherAutomation = delivery("k4", "bob", "email", "family@example.com");
            otherAutomation.sourceId = "aut_welcome";
            harness.processElement(new StreamRecord<>(otherAutomation));
            Delivery transactional = delivery("k5", "bob", "email", "family@example.com");
            transactional.audience = "transactional";
            harness.processElement(new StreamRecord<>(transactional));
            harness.processElement(new StreamRecord<>(delivery("k6", "bob", "webhook", "https://hooks.example.com/in")));
            harness.processElement(new StreamRecord<>(delivery("k7", "ann", "webhook", "https://hooks.example.com/in")));
            harness.setProcessingTime(T0 + DAY);
            harness.processElement(new StreamRecord<>(delivery("k8", "bob", "email", "family@example.com")));

            assertThat(harness.extractOutputValues()).extracting(delivery -> delivery.idempotencyKey)
                    .containsExactly("k1", "k3", "k4", "k5", "k6", "k7", "k8");
            assertThat(messages(harness, DestinationDedup.MESSAGES)).extracting(message -> message.idempotencyKey + " " + message.status + " " + message.reason)
                    .containsExactly("k2 suppressed duplicate_destination");
            assertThat(messages(harness, DestinationDedup.MESSAGES).get(0).destinationHash).isEqualTo(Delivery.destinationHash("family@example.com"));

            harness.setProcessingTime(T0 + 2 * DAY);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void atMostNMarketingMessagesPerPersonPerDayAcrossChannelsAndSources() throws Exception {
        try (var harness = cap(3)) {
            Delivery sms = delivery("k2", "ann", "sms", "+33612345678");
            sms.sourceId = "aut_other";
            Delivery transactional = delivery("k4", "ann", "email", "ann@example.com");
            transactional.audience = "transactional";
            harness.processElement(new StreamRecord<>(delivery("k1", "ann", "email", "ann@example.com")));
            harness.setProcessingTime(T0 + HOUR);
            harness.processElement(new StreamRecord<>(sms));
            harness.processElement(new StreamRecord<>(delivery("k3", "ann", "web_push", "{\"endpoint\": \"https://push.example.com/1\"}")));
            harness.processElement(new StreamRecord<>(transactional));
            harness.processElement(new StreamRecord<>(delivery("k5", "ann", "webhook", "https://hooks.example.com/in")));
            harness.processElement(new StreamRecord<>(delivery("k6", "ann", "email", "ann@example.com")));
            harness.processElement(new StreamRecord<>(delivery("k7", "bob", "email", "bob@example.com")));
            // the send at T0 leaves the rolling window a day later; the two at T0 + 1h only an hour after that
            harness.setProcessingTime(T0 + DAY);
            harness.processElement(new StreamRecord<>(delivery("k8", "ann", "email", "ann@example.com")));
            harness.processElement(new StreamRecord<>(delivery("k9", "ann", "email", "ann@example.com")));

            assertThat(harness.extractOutputValues()).extracting(delivery -> delivery.idempotencyKey)
                    .containsExactly("k1", "k2", "k3", "k4", "k5", "k7", "k8");
            assertThat(messages(harness, PressureCap.MESSAGES)).extracting(message -> message.idempotencyKey + " " + message.reason)
                    .containsExactly("k6 pressure_cap", "k9 pressure_cap");

            harness.setProcessingTime(T0 + 2 * DAY);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void aCapOfZeroTurnsItOff() throws Exception {
        try (var harness = cap(0)) {
            for (int i = 0; i < 10; i++) {
                harness.processElement(new StreamRecord<>(delivery("k" + i, "ann", "email", "ann@example.com")));
            }
            assertThat(harness.extractOutputValues()).hasSize(10);
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }

    static KeyedOneInputStreamOperatorTestHarness<String, Delivery, Delivery> dedup() throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<String, Delivery, Delivery>(
                new KeyedProcessOperator<>(new DestinationDedup(DAY)), Delivery::destinationKey, Types.STRING);
        harness.open();
        harness.setProcessingTime(T0);
        return harness;
    }

    static KeyedOneInputStreamOperatorTestHarness<String, Delivery, Delivery> cap(int max) throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<String, Delivery, Delivery>(
                new KeyedProcessOperator<>(new PressureCap(max, DAY)), Delivery::personKey, Types.STRING);
        harness.open();
        harness.setProcessingTime(T0);
        return harness;
    }

    static List<Message> messages(KeyedOneInputStreamOperatorTestHarness<String, Delivery, Delivery> harness, OutputTag<Message> tag) {
        var messages = harness.getSideOutput(tag);
        return messages == null ? List.of() : messages.stream().map(StreamRecord::getValue).toList();
    }
}
