package io.sillage.jobs.messaging;

import static io.sillage.jobs.messaging.Fixtures.SECRET;
import static io.sillage.jobs.messaging.Fixtures.T0;
import static io.sillage.jobs.messaging.Fixtures.connector;
import static io.sillage.jobs.messaging.Fixtures.template;
import static io.sillage.jobs.messaging.Fixtures.webhookConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.messaging.connector.Secret;
import io.sillage.lakehouse.messaging.connector.StandardWebhooks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Routing, the async send through a real webhook connector to a real HTTP server, the outcome stage and its retry
 * loop, and the send log across "crashes" (a replayed attempt with the log as a previous run left it).
 */
class SendFunctionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SEND_TIMEOUT = 30_000;

    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void reset() {
        Fixtures.reset();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : closing) {
            resource.close();
        }
    }

    @Test
    void providersGetTheIdsThatAttributeTheirEventsAndNoAddress() {
        Delivery delivery = Fixtures.delivery("k1", "ann", "email", "ann@example.com");
        assertThat(SendFunction.providerMetadata(delivery)).containsExactly(java.util.Map.entry("profile_id", "ann"), java.util.Map.entry("channel", "email"),
                java.util.Map.entry("source_type", "automation"), java.util.Map.entry("source_id", delivery.sourceId));
        delivery.sourceId = null;
        assertThat(SendFunction.providerMetadata(delivery)).doesNotContainKey("source_id");
    }

    @Test
    void aTemporaryFailureIsRetriedUntilTheProviderTakesIt() throws Exception {
        WebhookReceiver receiver = receiver(n -> n <= 2 ? 503 : 200, Duration.ZERO);
        Loop loop = new Loop(receiver, 5);
        List<Message> messages = loop.run(hook("k1"));

        assertThat(messages).extracting(message -> message.status + " " + message.attempt + " " + message.reason).containsExactly(
                "retrying 1 HTTP 503: {}", "retrying 2 HTTP 503: {}", "sent 3 null");
        Delivery sent = loop.retried.get(1);
        assertThat(receiver.received()).hasSize(3).allSatisfy(request -> {
            assertThat(request.id()).as("the same webhook-id on every attempt").isEqualTo(sent.messageId);
            assertThat(request.body()).isEqualTo("{\"name\": \"Ann\", \"cart\": \"c-1\"}");
            new StandardWebhooks(new Secret(SECRET)).verify(request.id(), request.timestamp(), request.signature(),
                    request.body().getBytes(StandardCharsets.UTF_8), Instant.now());
        });
        assertThat(loop.retried).extracting(delivery -> delivery.attempt).containsExactly(2, 3);
        assertThat(loop.retried).allSatisfy(delivery -> assertThat(delivery.connector).as("no secret in state or Kafka").isNull());
        assertThat(InMemorySendLog.SHARED.row(sent).status()).isEqualTo(SendLog.Status.SENT);
        assertThat(loop.outcomes.numKeyedStateEntries()).isZero();
    }

    @Test
    void temporaryFailuresOnEveryAttemptEndInTheDeadLetter() throws Exception {
        WebhookReceiver receiver = receiver(n -> 500, Duration.ZERO);
        Loop loop = new Loop(receiver, 3);
        List<Message> messages = loop.run(hook("k1"));

        assertThat(messages).extracting(message -> message.status + " " + message.attempt).containsExactly("retrying 1", "retrying 2", "dead_letter 3");
        assertThat(messages.get(2).reason).isEqualTo("temporary failures on all 3 attempts, the last: HTTP 500: {}");
        assertThat(receiver.received()).hasSize(3);
        var deadLetters = loop.outcomes.getSideOutput(DeliveryOutcomes.DEAD_LETTERS);
        assertThat(deadLetters).singleElement().satisfies(record -> {
            var letter = JSON.readTree(DeliveryRecords.deadLetter(record.getValue()));
            assertThat(letter.path("kind").asText()).isEqualTo("undeliverable");
            assertThat(letter.path("message").path("parts").path("webhook.body").asText()).contains("Ann");
            assertThat(letter.path("message").has("connector")).isFalse();
        });
        assertThat(InMemorySendLog.SHARED.row(loop.retried.get(0)).status()).isEqualTo(SendLog.Status.FAILED);
    }

    @Test
    void aPermanentFailureFailsAtOnce() throws Exception {
        WebhookReceiver receiver = receiver(n -> 400, Duration.ZERO);
        Loop loop = new Loop(receiver, 5);
        List<Message> messages = loop.run(hook("k1"));

        assertThat(messages).extracting(message -> message.status + " " + message.attempt + " " + message.reason).containsExactly("failed 1 HTTP 400: {}");
        assertThat(receiver.received()).hasSize(1);
    }

    @Test
    void aMessageTheSendLogKnowsAsSentOrFailedIsNotSentAgain() throws Exception {
        WebhookReceiver receiver = receiver(n -> 200, Duration.ZERO);
        Loop loop = new Loop(receiver, 5);
        Delivery sent = hook("k1");
        Delivery failed = hook("k2");
        InMemorySendLog.SHARED.put(sent, SendLog.Status.SENT, 1, System.currentTimeMillis() - 60_000);
        InMemorySendLog.SHARED.put(failed, SendLog.Status.FAILED, 4, System.currentTimeMillis() - 60_000);

        assertThat(loop.run(sent)).extracting(message -> message.status + " " + message.reason).containsExactly("sent already_sent");
        assertThat(loop.run(failed)).extracting(message -> message.status + " " + message.reason).containsExactly("failed already_failed");
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void anAttemptWhoseOutcomeIsUnknownIsSentAgainWithTheSameIdOnceTheSendTimeoutPassed() throws Exception {
        WebhookReceiver receiver = receiver(n -> 200, Duration.ZERO);
        Loop loop = new Loop(receiver, 5);
        Delivery recent = hook("k1");
        long claimedAt = System.currentTimeMillis() - 1_000;
        InMemorySendLog.SHARED.put(recent, SendLog.Status.PENDING, 1, claimedAt);

        List<SendResult> waiting = send(new SendFunction(InMemorySendLog.factory(), SEND_TIMEOUT, 2, 0, 1_000, 1_000), loop.route(recent));
        assertThat(waiting).singleElement().satisfies(result -> {
            assertThat(result.outcome).isEqualTo(SendResult.DEFERRED);
            assertThat(result.notBeforeMillis).as("when the earlier attempt cannot be running any more").isEqualTo(claimedAt + SEND_TIMEOUT);
        });
        assertThat(receiver.received()).isEmpty();

        Delivery stale = hook("k2");
        InMemorySendLog.SHARED.put(stale, SendLog.Status.PENDING, 1, System.currentTimeMillis() - SEND_TIMEOUT);
        assertThat(loop.run(stale)).extracting(message -> message.status + " " + message.reason).containsExactly("sent unknown_resent");
        assertThat(receiver.received()).extracting(WebhookReceiver.Received::id).containsExactly(stale.messageId);
        assertThat(InMemorySendLog.SHARED.row(stale).status()).isEqualTo(SendLog.Status.SENT);
    }

    @Test
    void aSlowConnectorDoesNotHoldBackAnother() throws Exception {
        WebhookReceiver slow = receiver(n -> 200, Duration.ofMillis(1_500));
        WebhookReceiver fast = receiver(n -> 200, Duration.ZERO);
        List<Delivery> deliveries = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            Delivery delivery = routed(hook("slow" + i), slow.url(), "slow-project");
            deliveries.add(delivery);
        }
        deliveries.add(routed(hook("fast"), fast.url(), "fast-project"));

        // one attempt in flight per connector and no queue: the slow connector's other messages wait in state, not in the operator
        List<SendResult> results = send(new SendFunction(InMemorySendLog.factory(), SEND_TIMEOUT, 1, 0, 1_000, 1_000), deliveries.toArray(Delivery[]::new));

        assertThat(results).extracting(result -> result.delivery.idempotencyKey + " " + result.outcome).containsExactlyInAnyOrder(
                "slow1 sent", "slow2 deferred", "slow3 deferred", "fast sent");
        SendResult fastSent = results.stream().filter(result -> result.delivery.idempotencyKey.equals("fast")).findFirst().orElseThrow();
        SendResult slowSent = results.stream().filter(result -> result.delivery.idempotencyKey.equals("slow1")).findFirst().orElseThrow();
        assertThat(results.get(results.size() - 1)).isSameAs(slowSent);
        assertThat(slowSent.completedAtMillis - fastSent.completedAtMillis).isGreaterThan(1_000);
        assertThat(results).filteredOn(result -> result.outcome.equals(SendResult.DEFERRED))
                .allSatisfy(result -> assertThat(result.reason).isEqualTo("connector busy"))
                .as("the busy delay, spread by up to as long again, while the lane has no attempt time yet")
                .allSatisfy(result -> assertThat(result.notBeforeMillis - result.completedAtMillis).isBetween(1_000L, 2_000L));
        assertThat(fast.received()).hasSize(1);
        assertThat(slow.received()).hasSize(1);
    }

    @Test
    void messagesWaitInTheirConnectorsLaneUpToItsQueueAndTheRestIsDeferred() throws Exception {
        WebhookReceiver slow = receiver(n -> 200, Duration.ofMillis(300));
        WebhookReceiver fast = receiver(n -> 200, Duration.ZERO);
        List<Delivery> deliveries = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            deliveries.add(routed(hook("slow" + i), slow.url(), "slow-project"));
        }
        for (int i = 1; i <= 3; i++) {
            deliveries.add(routed(hook("fast" + i), fast.url(), "fast-project"));
        }

        // one thread and two places in the queue per connector: three slow messages are sent one after the other
        List<SendResult> results = send(new SendFunction(InMemorySendLog.factory(), SEND_TIMEOUT, 1, 2, 1_000, 1_000), deliveries.toArray(Delivery[]::new));

        assertThat(results).extracting(result -> result.delivery.idempotencyKey + " " + result.outcome).containsExactlyInAnyOrder(
                "slow1 sent", "slow2 sent", "slow3 sent", "slow4 deferred", "fast1 sent", "fast2 sent", "fast3 sent");
        assertThat(slow.received()).extracting(WebhookReceiver.Received::id).containsExactly(
                deliveries.get(0).messageId, deliveries.get(1).messageId, deliveries.get(2).messageId);
        long lastFast = results.stream().filter(result -> result.delivery.idempotencyKey.startsWith("fast")).mapToLong(result -> result.completedAtMillis).max().orElseThrow();
        long lastSlow = results.stream().filter(result -> result.delivery.idempotencyKey.startsWith("slow")).mapToLong(result -> result.completedAtMillis).max().orElseThrow();
        assertThat(lastSlow - lastFast).as("the fast connector's messages do not wait behind the slow one's queue").isGreaterThan(500);
    }

    @Test
    void aLaneTakesWhatItWouldStartWithinTheBusyDelayJudgingByItsRecentAttempts() {
        long ms = 1_000_000;
        // a free thread: always
        assertThat(SendFunction.admits(7, 8, 0, 5_000 * ms, 1_000 * ms)).isTrue();
        // before the lane has timed an attempt: up to the queue
        assertThat(SendFunction.admits(8 + 55, 8, 56, 0, 1_000 * ms)).isTrue();
        assertThat(SendFunction.admits(8 + 56, 8, 56, 0, 1_000 * ms)).isFalse();
        // 2 ms attempts on 8 threads: 4,000 waiting start within a second
        assertThat(SendFunction.admits(8 + 3_999, 8, 56, 2 * ms, 1_000 * ms)).isTrue();
        assertThat(SendFunction.admits(8 + 4_000, 8, 56, 2 * ms, 1_000 * ms)).isFalse();
        // 2 s attempts: the first one waiting would already start too late
        assertThat(SendFunction.admits(8, 8, 56, 2_000 * ms, 1_000 * ms)).isFalse();
    }

    @Test
    void anAttemptWithoutARateLimitPermitWaitsOnItsLaneWhenThePermitIsNearAndIsDeferredOtherwise() throws Exception {
        WebhookReceiver receiver = receiver(n -> 200, Duration.ZERO);

        // a permit every 400 ms; the lane's thread waits up to the busy delay for one
        List<SendResult> waited = send(new SendFunction(InMemorySendLog.factory(), SEND_TIMEOUT, 1, 2, 500, 500), limited("waits", receiver));
        assertThat(waited).extracting(result -> result.outcome).containsExactly("sent", "sent", "sent");
        assertThat(waited.get(2).completedAtMillis - waited.get(0).completedAtMillis).isGreaterThanOrEqualTo(700);

        List<SendResult> deferred = send(new SendFunction(InMemorySendLog.factory(), SEND_TIMEOUT, 1, 2, 300, 300), limited("deferred", receiver));
        assertThat(deferred).extracting(result -> result.delivery.idempotencyKey + " " + result.outcome + " " + result.reason).containsExactlyInAnyOrder(
                "deferred1 sent null", "deferred2 deferred rate limited", "deferred3 deferred rate limited");
        assertThat(deferred).filteredOn(result -> result.outcome.equals(SendResult.DEFERRED))
                .allSatisfy(result -> assertThat(result.notBeforeMillis - result.completedAtMillis).isBetween(1L, 400L));
        assertThat(receiver.received()).hasSize(4);
    }

    /** Three webhooks through a connector allowing one message every 400 ms. */
    private static Delivery[] limited(String prefix, WebhookReceiver receiver) {
        Delivery[] deliveries = new Delivery[3];
        for (int i = 0; i < 3; i++) {
            deliveries[i] = routed(hook(prefix + (i + 1)), receiver.url(), prefix + "-project");
            deliveries[i].connector = webhookConfig(1, "5s").replace("{\"type\"", "{\"rateLimit\": {\"permits\": 1, \"per\": \"400ms\"}, \"type\"");
        }
        return deliveries;
    }

    private WebhookReceiver receiver(java.util.function.IntUnaryOperator status, Duration delay) {
        WebhookReceiver receiver = new WebhookReceiver(status, delay);
        closing.add(receiver);
        return receiver;
    }

    private static Delivery hook(String key) {
        Delivery delivery = Fixtures.delivery(key, "ann", "webhook", "unset");
        delivery.templateId = "tpl_hook";
        return delivery;
    }

    /** A delivery of another project, rendered and routed by hand to a webhook connector allowing one attempt. */
    private static Delivery routed(Delivery delivery, String url, String projectId) {
        delivery.projectId = projectId;
        delivery.destination = url;
        delivery.parts = java.util.Map.of("webhook.body", "{}");
        delivery.profile = null;
        delivery.connector = webhookConfig(1, "5s");
        delivery.connectorVersion = 1;
        return delivery;
    }

    /** Runs deliveries through the async operator (Flink's AsyncWaitOperator, unordered) until all have an outcome. */
    static List<SendResult> send(SendFunction function, Delivery... deliveries) throws Exception {
        try (var harness = new OneInputStreamOperatorTestHarness<Delivery, SendResult>(
                new AsyncWaitOperatorFactory<>(function, SEND_TIMEOUT, 10, AsyncDataStream.OutputMode.UNORDERED),
                TypeInformation.of(Delivery.class).createSerializer(new SerializerConfigImpl()))) {
            harness.open();
            for (Delivery delivery : deliveries) {
                harness.processElement(new StreamRecord<>(delivery));
            }
            harness.endInput();
            return harness.extractOutputValues();
        }
    }

    /** Render and route, send, outcomes, and back through the retry topic, as the job's graph does, one message at a time. */
    private final class Loop {
        final TwoInputStreamOperatorTestHarness<Delivery, MessagingUpdate, Delivery> render;
        final KeyedOneInputStreamOperatorTestHarness<String, SendResult, Message> outcomes;
        final List<Delivery> retried = new ArrayList<>();
        private final String url;

        Loop(WebhookReceiver receiver, int maxAttempts) throws Exception {
            url = receiver.url();
            render = new TwoInputStreamOperatorTestHarness<>(
                    new CoBroadcastWithNonKeyedOperator<>(new RenderMessages(null, null), List.of(MessagingConfig.STATE)));
            render.open();
            render.processElement2(new StreamRecord<>(template("tpl_hook", 1, Fixtures.WEBHOOK_TEMPLATE)));
            render.processElement2(new StreamRecord<>(connector("webhook", 1, webhookConfig(maxAttempts, "5s"), url)));
            outcomes = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new DeliveryOutcomes()), result -> result.delivery.key(), Types.STRING);
            outcomes.open();
            outcomes.setProcessingTime(T0);
            closing.add(render);
            closing.add(outcomes);
        }

        Delivery route(Delivery delivery) throws Exception {
            delivery.destination = url;
            render.getOutput().clear();
            render.processElement1(new StreamRecord<>(delivery));
            return render.extractOutputValues().get(0);
        }

        /** The status rows of the message's attempts, until it needs no further attempt. */
        List<Message> run(Delivery delivery) throws Exception {
            outcomes.getOutput().clear();
            Delivery next = delivery;
            for (int round = 0; round < 10; round++) {
                SendResult result = send(new SendFunction(InMemorySendLog.factory(), SEND_TIMEOUT, 2, 0, 1_000, 1_000), route(next)).get(0);
                outcomes.processElement(new StreamRecord<>(result));
                int before = retried.size();
                if (result.notBeforeMillis > 0) {
                    outcomes.setProcessingTime(Math.max(result.notBeforeMillis, outcomes.getProcessingTime() + 1));
                }
                var retries = outcomes.getSideOutput(DeliveryOutcomes.RETRIES);
                if (retries != null) {
                    retries.stream().skip(before).map(StreamRecord::getValue).forEach(retried::add);
                }
                if (retried.size() == before) {
                    break;
                }
                next = retried.get(retried.size() - 1);
            }
            return outcomes.extractOutputValues();
        }
    }
}
