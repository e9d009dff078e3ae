package io.sillage.jobs.messaging;

import static io.sillage.jobs.messaging.Fixtures.EMAIL_TEMPLATE;
import static io.sillage.jobs.messaging.Fixtures.SMTP;
import static io.sillage.jobs.messaging.Fixtures.T0;
import static io.sillage.jobs.messaging.Fixtures.connector;
import static io.sillage.jobs.messaging.Fixtures.delivery;
import static io.sillage.jobs.messaging.Fixtures.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sillage.lakehouse.messaging.tracking.TrackedMessage;
import io.sillage.lakehouse.messaging.tracking.TrackingLinks;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Rendering with the current template and snippets, and routing every attempt to the current connector. */
class RenderMessagesTest {
    private static final String TRACKING_SECRET = "a-tracking-secret-of-32-bytes-at-least";

    @Test
    void rendersWithTheProfileAndTheEventAndRoutesToTheConnector() throws Exception {
        try (var harness = harness(null, null)) {
            harness.processElement2(new StreamRecord<>(template("tpl_cart", 4, EMAIL_TEMPLATE)));
            harness.processElement2(new StreamRecord<>(connector("email", 7, SMTP, null)));
            Delivery delivery = delivery("k1", "ann", "email", "ann@example.com");
            delivery.profile = "{\"traits\": {\"first_name\": \"<b>Ann</b>\"}}";
            harness.processElement1(new StreamRecord<>(delivery));

            assertThat(harness.extractOutputValues()).singleElement().satisfies(rendered -> {
                assertThat(rendered.templateVersion).isEqualTo(4);
                assertThat(rendered.parts).containsEntry("email.subject", "<b>Ann</b>, your cart")
                        .as("without tracking, the HTML is as rendered").containsEntry("email.html", "<p>Hello &lt;b&gt;Ann&lt;/b&gt;: c-1</p>")
                        .containsEntry("email.from", "Shop <shop@example.com>");
                assertThat(rendered.profile).isNull();
                assertThat(rendered.eventProperties).isNull();
                assertThat(rendered.headers).isNull();
                assertThat(rendered.connector).isEqualTo(SMTP);
                assertThat(rendered.connectorVersion).isEqualTo(7);
                assertThat(rendered.rendered().email().text()).isEqualTo("Hello <b>Ann</b>");
            });
            assertThat(messages(harness)).isEmpty();
        }
    }

    @Test
    void withTrackingAnEmailGetsSignedLinksThePixelAndUnsubscribeHeaders() throws Exception {
        TrackingLinks links = new TrackingLinks("https://t.example.com", TRACKING_SECRET);
        try (var harness = harness("https://t.example.com", TRACKING_SECRET)) {
            harness.processElement2(new StreamRecord<>(template("tpl_cart", 1, EMAIL_TEMPLATE.replace("</p>",
                    "</p><a href=\\\"https://shop.example.com/cart\\\">cart</a><a href=\\\"{{ message.unsubscribe_url }}\\\">unsubscribe</a>")
                    .replace("\"text\": \"Hello {{ profile.first_name }}\"", "\"text\": \"Unsubscribe: {{ message.unsubscribe_url }}\""))));
            harness.processElement2(new StreamRecord<>(connector("email", 1, SMTP, null)));
            Delivery delivery = delivery("k1", "ann", "email", "ann@example.com");
            harness.processElement1(new StreamRecord<>(delivery));

            String unsubscribe = links.forMessage(new TrackedMessage(delivery.projectId, delivery.messageId, "ann", "email",
                    delivery.sourceType, delivery.sourceId)).unsubscribeUrl();
            assertThat(harness.extractOutputValues()).singleElement().satisfies(rendered -> {
                assertThat(rendered.parts.get("email.text")).isEqualTo("Unsubscribe: " + unsubscribe);
                String token = unsubscribe.substring(unsubscribe.lastIndexOf('/') + 1);
                assertThat(links.verify(token)).isEqualTo(new TrackingLinks.Verification.Verified(
                        new TrackedMessage("shop", delivery.messageId, "ann", "email", delivery.sourceType, delivery.sourceId)));
                assertThat(rendered.parts.get("email.html"))
                        .contains("<a href=\"https://t.example.com/t/c/" + token + "?u=https%3A%2F%2Fshop.example.com%2Fcart&amp;s=")
                        .contains("<a href=\"" + unsubscribe + "\">unsubscribe</a>")
                        .endsWith("<img src=\"https://t.example.com/t/o/" + token + "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;width:1px;height:1px;border:0\">");
                assertThat(rendered.headers).containsExactlyInAnyOrderEntriesOf(Map.of("List-Unsubscribe", "<" + unsubscribe + ">",
                        "List-Unsubscribe-Post", "List-Unsubscribe=One-Click"));
            });
        }
    }

    @Test
    void withPlainHttpTrackingThereIsNoOneClickHeaderAndOtherChannelsAreNotRewritten() throws Exception {
        try (var harness = harness("http://127.0.0.1:8080", TRACKING_SECRET)) {
            harness.processElement2(new StreamRecord<>(template("tpl_cart", 1, EMAIL_TEMPLATE)));
            harness.processElement2(new StreamRecord<>(template("tpl_sms", 1, """
                    {"name": "Sms", "channel": "sms", "sms": {"body": "Stop: {{ message.unsubscribe_url }} https://shop.example.com"}}""")));
            harness.processElement2(new StreamRecord<>(connector("email", 1, SMTP, null)));
            harness.processElement2(new StreamRecord<>(connector("sms", 1, Fixtures.TWILIO, null)));
            harness.processElement1(new StreamRecord<>(delivery("k1", "ann", "email", "ann@example.com")));
            Delivery sms = delivery("k2", "ann", "sms", "+33612345678");
            sms.templateId = "tpl_sms";
            harness.processElement1(new StreamRecord<>(sms));

            assertThat(harness.extractOutputValues()).hasSize(2);
            Delivery email = harness.extractOutputValues().get(0);
            assertThat(email.headers).containsOnlyKeys("List-Unsubscribe");
            assertThat(email.headers.get("List-Unsubscribe")).startsWith("<http://127.0.0.1:8080/t/u/");
            Delivery text = harness.extractOutputValues().get(1);
            assertThat(text.parts.get("sms.body")).startsWith("Stop: http://127.0.0.1:8080/t/u/").endsWith(" https://shop.example.com");
            assertThat(text.headers).isNull();
        }
    }

    @Test
    void trackingNeedsBothSettingsAndALongEnoughSecret() {
        assertThatThrownBy(() -> new RenderMessages("https://t.example.com", null)).hasMessageContaining("messaging.tracking-secret");
        assertThatThrownBy(() -> new RenderMessages("https://t.example.com", "short")).hasMessageContaining("at least 32 bytes");
    }

    @Test
    void aRenderingFailureFailsTheMessageAndNothingIsSent() throws Exception {
        try (var harness = harness(null, null)) {
            harness.processElement2(new StreamRecord<>(template("tpl_cart", 1, EMAIL_TEMPLATE.replace("</p>", "</p>{% include 'footer' %}"))));
            harness.processElement2(new StreamRecord<>(template("tpl_hook", 1, """
                    {"name": "Hook", "channel": "webhook", "webhook": {"body": "{\\"total\\": {{ event.total | divided_by: 0 }}}"}}""")));
            harness.processElement2(new StreamRecord<>(connector("email", 1, SMTP, null)));
            harness.processElement2(new StreamRecord<>(connector("webhook", 1, Fixtures.webhookConfig(3, "5s"), "https://hooks.example.com/in")));
            harness.processElement1(new StreamRecord<>(delivery("k1", "ann", "email", "ann@example.com")));
            Delivery hook = delivery("k2", "ann", "webhook", "https://hooks.example.com/in");
            hook.templateId = "tpl_hook";
            hook.eventProperties = "{\"total\": 10}";
            harness.processElement1(new StreamRecord<>(hook));

            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(messages(harness)).extracting(message -> message.idempotencyKey + " " + message.status).containsExactly("k1 failed", "k2 failed");
            assertThat(messages(harness).get(0).reason).isEqualTo("render: email.html: no snippet is named 'footer' in this project");
            assertThat(messages(harness).get(1).reason).startsWith("render: webhook.body: line 1, column ").endsWith("/ by zero");

            // once the snippet exists, the same template renders
            harness.processElement2(new StreamRecord<>(Fixtures.snippet("footer", "<p>Bye {{ profile.first_name }}</p>")));
            harness.processElement1(new StreamRecord<>(delivery("k3", "ann", "email", "ann@example.com")));
            assertThat(harness.extractOutputValues()).singleElement()
                    .satisfies(rendered -> assertThat(rendered.parts.get("email.html")).endsWith("<p>Bye Ann</p>"));
        }
    }

    @Test
    void aRetryIsNotRenderedAgainButTakesTheCurrentConnector() throws Exception {
        try (var harness = harness(null, null)) {
            harness.processElement2(new StreamRecord<>(template("tpl_cart", 9, EMAIL_TEMPLATE)));
            harness.processElement2(new StreamRecord<>(connector("email", 2, SMTP.replace("localhost", "smtp.example.com"), null)));
            Delivery retry = delivery("k1", "ann", "email", "ann@example.com");
            retry.templateVersion = 3;
            retry.parts = Map.of("email.from", "shop@example.com", "email.subject", "Then", "email.text", "As first rendered");
            retry.profile = null;
            retry.attempt = 2;
            harness.processElement1(new StreamRecord<>(retry));

            assertThat(harness.extractOutputValues()).singleElement().satisfies(routed -> {
                assertThat(routed.parts).containsEntry("email.text", "As first rendered");
                assertThat(routed.templateVersion).isEqualTo(3);
                assertThat(routed.connector).contains("smtp.example.com");
                assertThat(routed.connectorVersion).isEqualTo(2);
                assertThat(routed.attempt).isEqualTo(2);
            });
        }
    }

    @Test
    void aTemplateOrConnectorRemovedSinceTheDecisionFailsTheMessage() throws Exception {
        try (var harness = harness(null, null)) {
            harness.processElement2(new StreamRecord<>(template("tpl_cart", 1, EMAIL_TEMPLATE)));
            harness.processElement1(new StreamRecord<>(delivery("k1", "ann", "email", "ann@example.com")));
            harness.processElement2(new StreamRecord<>(connector("email", 1, SMTP, null)));
            harness.processElement2(new StreamRecord<>(Fixtures.deleted(MessagingUpdate.TEMPLATE, "tpl_cart")));
            harness.processElement1(new StreamRecord<>(delivery("k2", "ann", "email", "ann@example.com")));

            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(messages(harness)).extracting(message -> message.idempotencyKey + " " + message.reason)
                    .containsExactly("k1 no_connector", "k2 template_not_found");
        }
    }

    static TwoInputStreamOperatorTestHarness<Delivery, MessagingUpdate, Delivery> harness(String trackingUrl, String trackingSecret) throws Exception {
        var harness = new TwoInputStreamOperatorTestHarness<>(
                new CoBroadcastWithNonKeyedOperator<>(new RenderMessages(trackingUrl, trackingSecret), List.of(MessagingConfig.STATE)));
        harness.open();
        harness.setProcessingTime(T0);
        return harness;
    }

    static List<Message> messages(TwoInputStreamOperatorTestHarness<Delivery, MessagingUpdate, Delivery> harness) {
        var messages = harness.getSideOutput(RenderMessages.MESSAGES);
        return messages == null ? List.of() : messages.stream().map(StreamRecord::getValue).toList();
    }
}
