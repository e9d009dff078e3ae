package io.sillage.lakehouse.messaging.connector;

import static io.sillage.lakehouse.messaging.connector.Messages.json;
import static io.sillage.lakehouse.messaging.connector.Messages.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sillage.lakehouse.messaging.connector.LocalHttpServer.Response;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebhookConnectorTest {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private final LocalHttpServer receiver = new LocalHttpServer();

    @AfterEach
    void stop() {
        receiver.close();
    }

    private static Connector connector() {
        return ConnectorConfigs.parse(json("{\"type\": \"webhook\", \"secret\": \"" + SECRET + "\"}")).open();
    }

    @Test
    void theReceiverVerifiesTheSignatureOfTheRenderedBody() {
        StandardWebhooks verifier = new StandardWebhooks(new Secret(SECRET));
        receiver.answer(request -> {
            try {
                verifier.verify(request.header("webhook-id"), request.header("webhook-timestamp"), request.header("webhook-signature"), request.body(), Instant.now());
                return Response.of(204, "");
            }
            catch (StandardWebhooks.InvalidSignatureException e) {
                return Response.of(401, e.getMessage());
            }
        });

        DeliveryResult result = connector().send(message(Messages.WEBHOOK, "msg_7", receiver.uri("/hooks/cart").toString(), Map.of()));

        assertThat(result).isEqualTo(new DeliveryResult.Accepted(null));
        LocalHttpServer.Request request = receiver.take();
        assertThat(request.uri().getPath()).isEqualTo("/hooks/cart");
        assertThat(request.header("webhook-id")).isEqualTo("msg_7");
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        assertThat(json(request.text())).isEqualTo(json("{\"name\": \"Jane\", \"cart\": \"c-42\", \"total\": 89.9}"));
        assertThat(Long.parseLong(request.header("webhook-timestamp"))).isCloseTo(Instant.now().getEpochSecond(), Offset.offset(5L));
    }

    @Test
    void aReceiverThatRefusesIsAFailure() {
        receiver.answer(request -> Response.of(410, ""));
        assertThat(connector().send(message(Messages.WEBHOOK, "msg_7", receiver.uri("/gone").toString(), Map.of())))
                .isEqualTo(new DeliveryResult.PermanentFailure("HTTP 410: the receiver asks to stop sending to this URL", true));
        receiver.answer(request -> Response.of(502, "bad gateway"));
        assertThat(connector().send(message(Messages.WEBHOOK, "msg_7", receiver.uri("/").toString(), Map.of())))
                .isEqualTo(new DeliveryResult.TemporaryFailure("HTTP 502: bad gateway", null));
        assertThat(connector().send(message(Messages.WEBHOOK, "msg_7", "ftp://example.com/hook", Map.of())))
                .isEqualTo(new DeliveryResult.PermanentFailure("not an http(s) URL: 'ftp://example.com/hook'", true));
    }

    @Test
    void signsLikeTheStandardWebhooksReferenceVector() {
        StandardWebhooks webhooks = new StandardWebhooks(new Secret(SECRET));
        byte[] body = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
        assertThat(webhooks.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void theVerifierRefusesWhatAReceiverMustRefuse() {
        StandardWebhooks webhooks = new StandardWebhooks(new Secret(SECRET));
        byte[] body = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
        Instant signedAt = Instant.ofEpochSecond(1614265330);
        String signature = webhooks.sign("msg_1", signedAt.getEpochSecond(), body);

        webhooks.verify("msg_1", "1614265330", signature, body, signedAt.plusSeconds(60));
        webhooks.verify("msg_1", "1614265330", "v1,bm90IGl0 v2,xyz " + signature, body, signedAt);

        assertThatThrownBy(() -> webhooks.verify("msg_1", "1614265330", signature, "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8), signedAt))
                .hasMessage("no v1 signature matches");
        assertThatThrownBy(() -> webhooks.verify("msg_2", "1614265330", signature, body, signedAt)).hasMessage("no v1 signature matches");
        assertThatThrownBy(() -> new StandardWebhooks(new Secret("whsec_" + Base64.getEncoder().encodeToString(new byte[32]))).verify("msg_1", "1614265330", signature, body, signedAt))
                .hasMessage("no v1 signature matches");
        assertThatThrownBy(() -> webhooks.verify("msg_1", "1614265330", signature, body, signedAt.plusSeconds(301)))
                .as("a replay after the tolerance").hasMessage("webhook-timestamp is more than 5 minutes away from now");
        assertThatThrownBy(() -> webhooks.verify("msg_1", null, signature, body, signedAt)).hasMessageContaining("required");
    }
}
