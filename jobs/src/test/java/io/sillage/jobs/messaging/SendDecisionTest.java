package io.sillage.jobs.messaging;

import static io.sillage.jobs.messaging.Fixtures.DAY;
import static io.sillage.jobs.messaging.Fixtures.EMAIL_TEMPLATE;
import static io.sillage.jobs.messaging.Fixtures.PROMO_TEMPLATE;
import static io.sillage.jobs.messaging.Fixtures.SECOND;
import static io.sillage.jobs.messaging.Fixtures.SMTP;
import static io.sillage.jobs.messaging.Fixtures.T0;
import static io.sillage.jobs.messaging.Fixtures.connector;
import static io.sillage.jobs.messaging.Fixtures.profile;
import static io.sillage.jobs.messaging.Fixtures.request;
import static io.sillage.jobs.messaging.Fixtures.template;
import static org.assertj.core.api.Assertions.assertThat;

import io.sillage.jobs.automation.ActivationRequest;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The first decision per request: dedup, the profile at send time, consent, address and configuration. */
class SendDecisionTest {
    private static final long WAIT = 10 * SECOND;
    private static final long RETENTION = 7 * DAY;

    @BeforeEach
    void reset() {
        Fixtures.reset();
    }

    @Test
    void aRequestBecomesAQueuedMessageWithItsDestination() throws Exception {
        try (var harness = harness()) {
            configure(harness);
            profile("p1", "Ann@Example.com", "email=subscribed");
            harness.processElement1(new StreamRecord<>(request("aut_cart:v3:m1", "p1", "email", "tpl_cart", "marketing")));

            assertThat(harness.extractOutputValues()).singleElement().satisfies(delivery -> {
                assertThat(delivery.messageId).isEqualTo(Delivery.messageId("shop", "aut_cart:v3:m1")).matches("msg_[0-9a-f]{32}");
                assertThat(delivery.idempotencyKey).isEqualTo("aut_cart:v3:m1");
                assertThat(delivery.sourceType).isEqualTo("automation");
                assertThat(delivery.sourceId).isEqualTo("aut_cart");
                assertThat(delivery.sourceVersion).isEqualTo(3);
                assertThat(delivery.variant).isEqualTo("a");
                assertThat(delivery.templateId).isEqualTo("tpl_cart");
                assertThat(delivery.templateVersion).isEqualTo(2);
                assertThat(delivery.destination).isEqualTo("Ann@Example.com");
                assertThat(delivery.destinationHash).isEqualTo(Delivery.destinationHash("ann@example.com")).hasSize(64);
                assertThat(delivery.profile).isEqualTo("{\"traits\":{\"first_name\":\"Ann\"},\"computed\":{\"orderCount\":2}}");
                assertThat(delivery.eventProperties).contains("c-1");
                assertThat(delivery.attempt).isEqualTo(1);
                assertThat(delivery.queuedAtMillis).isEqualTo(T0);
            });
            assertThat(messages(harness)).singleElement().satisfies(message -> {
                assertThat(message.status).isEqualTo(Message.QUEUED);
                assertThat(message.templateVersion).isEqualTo(2);
                assertThat(message.destinationHash).as("no address yet on the queued row").isNull();
                assertThat(message.occurredAtMillis).isEqualTo(T0);
            });
        }
    }

    @Test
    void aRequestMayNameItsTemplateByNameAndRecordsItsId() throws Exception {
        try (var harness = harness()) {
            configure(harness);
            profile("p1", "ann@example.com", "email=subscribed");
            harness.processElement1(new StreamRecord<>(request("aut_cart:v3:m1", "p1", "email", "Cart", "marketing")));
            harness.processElement1(new StreamRecord<>(request("aut_cart:v3:m2", "p1", "email", "no-such-template", "marketing")));

            assertThat(harness.extractOutputValues()).singleElement().satisfies(delivery -> {
                assertThat(delivery.templateId).isEqualTo("tpl_cart");
                assertThat(delivery.templateVersion).isEqualTo(2);
            });
            assertThat(messages(harness)).filteredOn(message -> message.status.equals(Message.FAILED)).singleElement()
                    .satisfies(message -> assertThat(message.reason).isEqualTo("template_not_found"));
        }
    }

    @Test
    void aReplayedRequestIsDecidedOnceUntilTheRetentionEnds() throws Exception {
        try (var harness = harness()) {
            configure(harness);
            profile("p1", "ann@example.com", "email=subscribed");
            ActivationRequest request = request("aut_cart:v3:m1", "p1", "email", "tpl_cart", "marketing");
            harness.processElement1(new StreamRecord<>(request));
            harness.setProcessingTime(T0 + DAY);
            harness.processElement1(new StreamRecord<>(request));
            assertThat(harness.extractOutputValues()).hasSize(1);
            assertThat(messages(harness)).extracting(message -> message.status).containsExactly(Message.QUEUED);
            assertThat(harness.numKeyedStateEntries()).isEqualTo(1);

            harness.setProcessingTime(T0 + RETENTION);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
            // the send log still stops a send past the retention (see SendFunctionTest)
            harness.processElement1(new StreamRecord<>(request));
            assertThat(harness.extractOutputValues()).hasSize(2);
        }
    }

    @Test
    void marketingNeedsConsentTransactionalDoesNotButNothingReachesABounceASuppressionOrAnErasure() throws Exception {
        try (var harness = harness()) {
            configure(harness);
            profile("subscribed", "a@example.com", "email=subscribed");
            profile("opted-in", "b@example.com", "email=opted_in", "sms=unsubscribed");
            profile("opted-out", "c@example.com", "email=unsubscribed");
            profile("never-asked", "d@example.com");
            profile("other-channel", "e@example.com", "sms=opted_in");
            profile("bounced", "f@example.com", "email=bounced");
            profile("suppressed", "g@example.com", "email=suppressed");
            Fixtures.document("erased", "{\"profileId\": \"erased\", \"erasedAt\": \"2026-03-01T00:00:00Z\", \"identifiers\": [], \"traits\": {}, \"subscriptions\": []}");
            for (String audience : List.of("marketing", "transactional")) {
                for (String person : List.of("subscribed", "opted-in", "opted-out", "never-asked", "other-channel", "bounced", "suppressed", "erased")) {
                    harness.processElement1(new StreamRecord<>(request(audience + "/" + person, person, "email", "tpl_cart", audience)));
                }
            }

            assertThat(harness.extractOutputValues()).extracting(delivery -> delivery.idempotencyKey).containsExactly(
                    "marketing/subscribed", "marketing/opted-in",
                    "transactional/subscribed", "transactional/opted-in", "transactional/opted-out", "transactional/never-asked", "transactional/other-channel");
            assertThat(messages(harness)).filteredOn(message -> message.status.equals(Message.SUPPRESSED))
                    .extracting(message -> message.idempotencyKey + " " + message.reason).containsExactly(
                            "marketing/opted-out no_consent", "marketing/never-asked no_consent", "marketing/other-channel no_consent",
                            "marketing/bounced bounced", "marketing/suppressed suppressed", "marketing/erased erased",
                            "transactional/bounced bounced", "transactional/suppressed suppressed", "transactional/erased erased");
        }
    }

    @Test
    void aTemplateWithATopicNeedsConsentToTheTopicToo() throws Exception {
        try (var harness = harness()) {
            configure(harness);
            harness.processElement2(new StreamRecord<>(template("tpl_promo", 1, PROMO_TEMPLATE)));
            profile("topic-in", "a@example.com", "email=subscribed", "email/promotions=opted_in");
            profile("topic-out", "b@example.com", "email=subscribed", "email/promotions=unsubscribed");
            profile("topic-unknown", "c@example.com", "email=subscribed", "email/news=subscribed");
            profile("topic-only", "d@example.com", "email/promotions=subscribed");
            for (String person : List.of("topic-in", "topic-out", "topic-unknown", "topic-only")) {
                harness.processElement1(new StreamRecord<>(request(person, person, "email", "tpl_promo", "marketing")));
            }
            harness.processElement1(new StreamRecord<>(request("tx", "topic-out", "email", "tpl_promo", "transactional")));

            assertThat(harness.extractOutputValues()).extracting(delivery -> delivery.idempotencyKey).containsExactly("topic-in", "tx");
            assertThat(messages(harness)).filteredOn(message -> message.status.equals(Message.SUPPRESSED))
                    .extracting(message -> message.idempotencyKey + " " + message.reason)
                    .containsExactly("topic-out no_topic_consent", "topic-unknown no_topic_consent", "topic-only no_consent");
        }
    }

    @Test
    void eachChannelNeedsAnAddressButWebhooksGoToTheConnectorsUrl() throws Exception {
        try (var harness = harness()) {
            configure(harness);
            harness.processElement2(new StreamRecord<>(template("tpl_sms", 1, Fixtures.SMS_TEMPLATE)));
            harness.processElement2(new StreamRecord<>(template("tpl_hook", 1, Fixtures.WEBHOOK_TEMPLATE)));
            harness.processElement2(new StreamRecord<>(template("tpl_push", 1, Fixtures.PUSH_TEMPLATE)));
            harness.processElement2(new StreamRecord<>(connector("sms", 1, Fixtures.TWILIO, null)));
            harness.processElement2(new StreamRecord<>(connector("webhook", 1, Fixtures.webhookConfig(3, "5s"), "https://hooks.example.com/in")));
            harness.processElement2(new StreamRecord<>(connector("web_push", 1, "{\"type\": \"webhook\", \"secret\": \"" + Fixtures.SECRET + "\"}", null)));
            profile("no-email", null, "email=subscribed");
            Fixtures.document("trait-email", """
                    {"profileId": "trait-email", "identifiers": [], "traits": {"email": "ann@example.com"}, "subscriptions": [{"channel": "email", "status": "subscribed"}]}""");
            Fixtures.document("phone", """
                    {"profileId": "phone", "identifiers": [{"type": "phone", "value": "+33612345678"}], "traits": {"phone": "06 12 34 56 78"},
                     "subscriptions": [{"channel": "sms", "status": "opted_in"}]}""");
            profile("anyone", null, "email=unsubscribed");

            harness.processElement1(new StreamRecord<>(request("k1", "no-email", "email", "tpl_cart", "transactional")));
            harness.processElement1(new StreamRecord<>(request("k2", "trait-email", "email", "tpl_cart", "marketing")));
            harness.processElement1(new StreamRecord<>(request("k3", "phone", "sms", "tpl_sms", "marketing")));
            harness.processElement1(new StreamRecord<>(request("k4", "anyone", "webhook", "tpl_hook", "marketing")));
            harness.processElement1(new StreamRecord<>(request("k5", "anyone", "web_push", "tpl_push", "transactional")));

            assertThat(harness.extractOutputValues()).extracting(delivery -> delivery.idempotencyKey + " " + delivery.destination)
                    .containsExactly("k2 ann@example.com", "k3 +33612345678", "k4 https://hooks.example.com/in");
            assertThat(messages(harness)).filteredOn(message -> !message.status.equals(Message.QUEUED))
                    .extracting(message -> message.idempotencyKey + " " + message.status + " " + message.reason)
                    .containsExactly("k1 suppressed no_address", "k5 failed no_connector");
        }
    }

    @Test
    void aProfileTheStoreDoesNotHaveYetIsLookedUpOnceMoreThenSuppressed() throws Exception {
        try (var harness = harness()) {
            configure(harness);
            harness.processElement1(new StreamRecord<>(request("late", "p-late", "email", "tpl_cart", "marketing")));
            harness.processElement1(new StreamRecord<>(request("never", "p-never", "email", "tpl_cart", "marketing")));
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(messages(harness)).as("nothing is recorded while waiting").isEmpty();

            profile("p-late", "late@example.com", "email=subscribed");
            harness.setProcessingTime(T0 + WAIT);
            assertThat(harness.extractOutputValues()).extracting(delivery -> delivery.idempotencyKey).containsExactly("late");
            assertThat(messages(harness)).extracting(message -> message.idempotencyKey + " " + message.status + " " + message.reason + " " + message.occurredAtMillis)
                    .containsExactlyInAnyOrder("late queued null " + T0, "never queued null " + T0, "never suppressed unknown_profile " + (T0 + WAIT));
        }
    }

    @Test
    void aMergedProfileIsFollowedToItsSurvivor() throws Exception {
        try (var harness = harness()) {
            configure(harness);
            profile("survivor", "ann@example.com", "email=subscribed");
            Fixtures.MERGED.put("shop/absorbed", "survivor");
            harness.processElement1(new StreamRecord<>(request("k1", "absorbed", "email", "tpl_cart", "marketing")));
            assertThat(harness.extractOutputValues()).singleElement().satisfies(delivery -> assertThat(delivery.profileId).isEqualTo("survivor"));
            assertThat(messages(harness)).singleElement().satisfies(message -> assertThat(message.profileId).isEqualTo("survivor"));
        }
    }

    @Test
    void aMissingTemplateAChannelMismatchOrAMissingConnectorFailTheMessage() throws Exception {
        try (var harness = harness()) {
            configure(harness);
            profile("p1", "ann@example.com", "email=subscribed", "sms=subscribed");
            harness.processElement2(new StreamRecord<>(template("tpl_broken", 1, "{\"name\": \"no channel\"}")));
            harness.processElement2(new StreamRecord<>(template("tpl_gone", 1, EMAIL_TEMPLATE)));
            harness.processElement2(new StreamRecord<>(Fixtures.deleted(MessagingUpdate.TEMPLATE, "tpl_gone")));
            harness.processElement1(new StreamRecord<>(request("k1", "p1", "email", "tpl_unknown", "marketing")));
            harness.processElement1(new StreamRecord<>(request("k2", "p1", "email", "tpl_broken", "marketing")));
            harness.processElement1(new StreamRecord<>(request("k3", "p1", "email", "tpl_gone", "marketing")));
            harness.processElement1(new StreamRecord<>(request("k4", "p1", "sms", "tpl_cart", "marketing")));
            harness.processElement2(new StreamRecord<>(template("tpl_sms", 1, Fixtures.SMS_TEMPLATE)));
            harness.processElement1(new StreamRecord<>(request("k5", "p1", "sms", "tpl_sms", "marketing")));
            harness.processElement2(new StreamRecord<>(connector("sms", 1, "{\"type\": \"smtp\", \"host\": \"localhost\"}", null)));
            harness.processElement1(new StreamRecord<>(request("k6", "p1", "sms", "tpl_sms", "marketing")));

            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(messages(harness)).filteredOn(message -> !message.status.equals(Message.QUEUED))
                    .extracting(message -> message.idempotencyKey + " " + message.status + " " + message.reason).containsExactly(
                            "k1 failed template_not_found", "k2 failed template_not_found", "k3 failed template_not_found",
                            "k4 failed channel_mismatch: the template is for email, not sms", "k5 failed no_connector",
                            "k6 failed no_connector");
        }
    }

    static KeyedTwoInputStreamOperatorTestHarness<String, ActivationRequest, MessagingUpdate, Delivery> harness() throws Exception {
        var harness = new KeyedTwoInputStreamOperatorTestHarness<String, ActivationRequest, MessagingUpdate, Delivery>(
                new CoBroadcastWithKeyedOperator<>(new SendDecision(Fixtures.profiles(), WAIT, RETENTION), List.of(MessagingConfig.STATE)),
                request -> Delivery.key(request.projectId, request.idempotencyKey), null, Types.STRING);
        harness.open();
        harness.setProcessingTime(T0);
        return harness;
    }

    static void configure(KeyedTwoInputStreamOperatorTestHarness<String, ActivationRequest, MessagingUpdate, Delivery> harness) throws Exception {
        harness.processElement2(new StreamRecord<>(template("tpl_cart", 2, EMAIL_TEMPLATE)));
        harness.processElement2(new StreamRecord<>(connector("email", 1, SMTP, null)));
    }

    static List<Message> messages(KeyedTwoInputStreamOperatorTestHarness<String, ActivationRequest, MessagingUpdate, Delivery> harness) {
        var messages = harness.getSideOutput(SendDecision.MESSAGES);
        return messages == null ? List.of() : messages.stream().map(StreamRecord::getValue).toList();
    }
}
