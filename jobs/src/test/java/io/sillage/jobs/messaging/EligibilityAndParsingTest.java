package io.sillage.jobs.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.sillage.jobs.automation.ActivationRequest;
import io.sillage.jobs.collect.RawRecord;
import io.sillage.jobs.profile.ProfileUpdates;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Reading activation requests, and who may receive what. */
class EligibilityAndParsingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsWhatTheAutomationStageWrites() throws Exception {
        ActivationRequest written = Fixtures.request("aut_x:v1:msg-1", "p1", "email", "tpl_cart", "transactional");
        written.variant = null;
        ActivationRequest read = ParseActivations.parse(written.toJson());

        assertThat(read).usingRecursiveComparison().isEqualTo(written);
    }

    @Test
    void readsTheDocumentedExample() throws Exception {
        ActivationRequest request = ParseActivations.parse("""
                {"idempotencyKey":"aut_x:v1:msg-1","projectId":"prj_1","automationId":"aut_x","automationVersion":1,
                 "instanceId":"msg-1","profileId":"019a","identifier":"user_id:42",
                 "action":{"channel":"email","template":"abandoned-cart","variant":null},"audience":"marketing",
                 "entry":{"event":"Product Added","messageId":"msg-1","properties":{"cart_id":"c-1","category":"shoes"}},
                 "sendAt":"2026-11-25T10:00:00Z","firedAt":"2026-11-25T10:00:00.912Z"}""".getBytes(StandardCharsets.UTF_8));
        assertThat(request.template).isEqualTo("abandoned-cart");
        assertThat(request.entryProperties).isEqualTo("{\"cart_id\":\"c-1\",\"category\":\"shoes\"}");
        assertThat(request.firedAtMillis).isEqualTo(java.time.Instant.parse("2026-11-25T10:00:00.912Z").toEpochMilli());
    }

    @Test
    void malformedRecordsGoToTheSideOutputWithTheReasonAndNeverFailTheJob() throws Exception {
        String valid = new String(Fixtures.request("k1", "p1", "email", "tpl", "marketing").toJson(), StandardCharsets.UTF_8);
        List<String> payloads = List.of(
                "not json",
                "[1, 2]",
                valid.replace("\"idempotencyKey\":\"k1\",", ""),
                valid.replace("\"channel\":\"email\"", "\"channel\":\"fax\""),
                valid.replace("\"audience\":\"marketing\"", "\"audience\":\"everyone\""),
                valid.replace("\"sendAt\":\"", "\"sendAt\":\"yesterday "),
                valid.replace("\"automationVersion\":3", "\"automationVersion\":\"three\""),
                valid + " trailing",
                valid);
        try (var harness = new OneInputStreamOperatorTestHarness<RawRecord, ActivationRequest>(new ProcessOperator<>(new ParseActivations()))) {
            harness.open();
            harness.setProcessingTime(Fixtures.T0);
            for (int offset = 0; offset < payloads.size(); offset++) {
                harness.processElement(new StreamRecord<>(new RawRecord("cdp.activations", 0, offset, payloads.get(offset).getBytes(StandardCharsets.UTF_8))));
            }
            assertThat(harness.extractOutputValues()).extracting(request -> request.idempotencyKey).containsExactly("k1");
            assertThat(harness.getSideOutput(ParseActivations.REJECTED)).extracting(StreamRecord::getValue)
                    .extracting(rejected -> rejected.kafkaOffset() + " " + rejected.reason()).containsExactly(
                            "0 not valid JSON",
                            "1 not a JSON object",
                            "2 idempotencyKey is required (a non-empty string)",
                            "3 action.channel 'fax' is not one of email, sms, push, web_push, webhook",
                            "4 audience must be marketing or transactional",
                            "5 sendAt must be an ISO-8601 instant, e.g. 2026-11-25T10:00:00Z",
                            "6 automationVersion must be a whole number",
                            "7 not valid JSON");
            RejectedActivation first = harness.getSideOutput(ParseActivations.REJECTED).peek().getValue();
            assertThat(first.payload()).isEqualTo("not json");
            assertThat(first.kafkaTopic()).isEqualTo("cdp.activations");
            assertThat(JSON.readTree(DeliveryRecords.deadLetter(first)).path("kind").asText()).isEqualTo("rejected_request");
        }
    }

    @Test
    void theConsentRulesOnAProfileDocument() throws Exception {
        String document = """
                {"identifiers": [{"type": "email", "value": "ann@example.com"}, {"type": "phone", "value": "+33612345678"}],
                 "traits": {"web_push_subscription": {"endpoint": "https://push.example.com/x", "keys": {"p256dh": "k", "auth": "a"}}},
                 "subscriptions": [
                   {"channel": "email", "topic": null, "status": "unsubscribed"},
                   {"channel": "email", "topic": "promotions", "status": "opted_in"},
                   {"channel": "sms", "topic": null, "status": "opted_in"},
                   {"channel": "web_push", "topic": null, "status": "subscribed"},
                   {"channel": "push", "topic": null, "installationId": "i1", "status": "opted_in"},
                   {"channel": "push", "topic": null, "installationId": "i2", "status": "bounced"}]}""";
        var profile = JSON.readTree(document);

        assertThat(Eligibility.check(profile, "email", true, null, null).suppression()).isEqualTo("no_consent");
        assertThat(Eligibility.check(profile, "email", false, "promotions", null).destination()).isEqualTo("ann@example.com");
        assertThat(Eligibility.check(profile, "sms", true, null, null).destination()).isEqualTo("+33612345678");
        assertThat(Eligibility.check(profile, "sms", true, "promotions", null).suppression()).isEqualTo("no_topic_consent");
        assertThat(Eligibility.check(profile, "web_push", true, null, null).destination()).contains("\"endpoint\":\"https://push.example.com/x\"");
        assertThat(Eligibility.status(profile, "push", null)).as("a blocking status wins over a consent").isEqualTo("bounced");
        assertThat(Eligibility.check(profile, "webhook", true, null, "https://hooks.example.com").destination()).isEqualTo("https://hooks.example.com");
        assertThat(Eligibility.normalized("email", "Ann@Example.COM")).isEqualTo("ann@example.com");
        assertThat(Eligibility.normalized("sms", "+33612345678")).isEqualTo("+33612345678");
    }

    @Test
    void theProfileJobKeepsTheBlockingStatuses() {
        for (String status : List.of("bounced", "suppressed", "opted_in", "subscribed", "unsubscribed")) {
            assertThat(ProfileUpdates.status(TextNode.valueOf(status))).contains(status);
        }
        assertThat(ProfileUpdates.status(TextNode.valueOf("maybe"))).isEmpty();
    }

    @Test
    void theMessageIdIsStableAndFitsEveryProvider() {
        String id = Delivery.messageId("shop", "aut_x:v1:msg-1");
        assertThat(id).isEqualTo(Delivery.messageId("shop", "aut_x:v1:msg-1")).matches("msg_[0-9a-f]{32}")
                .isNotEqualTo(Delivery.messageId("other", "aut_x:v1:msg-1"));
        assertThatThrownBy(() -> Delivery.templateChannel("fax")).isInstanceOf(IllegalArgumentException.class);
    }
}
