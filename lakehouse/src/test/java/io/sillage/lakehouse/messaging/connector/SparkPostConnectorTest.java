package io.sillage.lakehouse.messaging.connector;

import static io.sillage.lakehouse.messaging.connector.Messages.json;
import static io.sillage.lakehouse.messaging.connector.Messages.message;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sillage.lakehouse.messaging.connector.LocalHttpServer.Response;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SparkPostConnectorTest {
    private final LocalHttpServer provider = new LocalHttpServer();

    @AfterEach
    void stop() {
        provider.close();
    }

    private Connector connector(String timeout) {
        return ConnectorConfigs.parse(json("{\"type\": \"sparkpost\", \"apiKey\": \"sk-live-1234\", \"baseUrl\": \"" + provider.uri("/") + "\", \"timeout\": \"" + timeout + "\"}")).open();
    }

    private DeliveryResult send(Connector connector) {
        OutboundMessage message = message(Messages.EMAIL, "msg_1", "jane@example.com",
                OutboundMessage.unsubscribeHeaders(URI.create("mailto:unsubscribe@example.com?subject=msg_1"), URI.create("https://t.example.com/u/msg_1")));
        return connector.send(new OutboundMessage(message.messageId(), message.projectId(), message.destination(), message.rendered(), message.headers(),
                Map.of("profile_id", "prf_7", "message_id", "not-this-one")));
    }

    @Test
    void postsATransmissionWithTheMessageIdAsMetadataAndIdempotencyKey() {
        provider.answer(request -> Response.of(200, "{\"results\":{\"total_rejected_recipients\":0,\"total_accepted_recipients\":1,\"id\":\"11668787484950529\"}}"));

        assertThat(send(connector("5s"))).isEqualTo(new DeliveryResult.Accepted("11668787484950529"));

        LocalHttpServer.Request request = provider.take();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.uri().getPath()).isEqualTo("/api/v1/transmissions");
        assertThat(request.header("Authorization")).isEqualTo("sk-live-1234");
        assertThat(request.header("Idempotency-Key")).isEqualTo("msg_1");
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        JsonNode body = json(request.text());
        assertThat(body.at("/recipients/0/address/email").asText()).isEqualTo("jane@example.com");
        assertThat(body.at("/content/from").asText()).isEqualTo("Shop <shop@example.com>");
        assertThat(body.at("/content/reply_to").asText()).isEqualTo("help@example.com");
        assertThat(body.at("/content/subject").asText()).isEqualTo("Jane, votre panier vous attend");
        assertThat(body.at("/content/html").asText()).isEqualTo("<p>Bonjour Jane, panier c-42 : 89.9 €</p>");
        assertThat(body.at("/content/text").asText()).isEqualTo("Bonjour Jane, panier c-42");
        assertThat(body.at("/content/headers/List-Unsubscribe").asText())
                .isEqualTo("<mailto:unsubscribe@example.com?subject=msg_1>, <https://t.example.com/u/msg_1>");
        assertThat(body.at("/content/headers/List-Unsubscribe-Post").asText()).isEqualTo("List-Unsubscribe=One-Click");
        assertThat(body.at("/metadata/message_id").asText()).isEqualTo("msg_1");
        assertThat(body.at("/metadata/project_id").asText()).isEqualTo("prj_1");
        assertThat(body.at("/metadata/profile_id").asText()).as("the message's own metadata").isEqualTo("prf_7");
    }

    @Test
    void mapsTheProvidersAnswersToTemporaryAndPermanentFailures() {
        Connector connector = connector("5s");
        provider.answer(request -> Response.of(500, "{\"errors\":[{\"message\":\"internal error\"}]}"));
        assertThat(send(connector)).isEqualTo(new DeliveryResult.TemporaryFailure("HTTP 500: internal error", null));

        provider.answer(request -> Response.of(400, "{\"errors\":[{\"message\":\"invalid data format/type\",\"description\":\"Unrecognized field\",\"code\":\"1300\"}]}"));
        assertThat(send(connector)).isEqualTo(new DeliveryResult.PermanentFailure("HTTP 400: invalid data format/type (Unrecognized field)", false));

        provider.answer(request -> Response.of(429, "{\"errors\":[{\"message\":\"Too many requests\"}]}").with("Retry-After", "30"));
        assertThat(send(connector)).isEqualTo(new DeliveryResult.TemporaryFailure("HTTP 429: Too many requests", Duration.ofSeconds(30)));

        String inTwoMinutes = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusMinutes(2));
        provider.answer(request -> Response.of(503, "").with("Retry-After", inTwoMinutes));
        DeliveryResult unavailable = send(connector);
        assertThat(unavailable).isInstanceOf(DeliveryResult.TemporaryFailure.class);
        assertThat(((DeliveryResult.TemporaryFailure) unavailable).retryAfter()).isBetween(Duration.ofSeconds(100), Duration.ofSeconds(120));

        provider.answer(request -> Response.of(200, "{\"results\":{\"total_rejected_recipients\":1,\"total_accepted_recipients\":0,\"id\":\"7\"}}"));
        assertThat(send(connector)).isEqualTo(new DeliveryResult.PermanentFailure("the provider rejected the recipient", true));
    }

    @Test
    void aProviderThatDoesNotAnswerInTimeIsATemporaryFailure() {
        provider.answer(request -> Response.of(200, "{}").after(Duration.ofSeconds(3)));
        long start = System.nanoTime();
        DeliveryResult result = send(connector("300ms"));
        assertThat(result).isEqualTo(new DeliveryResult.TemporaryFailure("no answer within 300 ms", null));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aProviderThatIsDownIsATemporaryFailure() {
        Connector connector = connector("2s");
        provider.close();
        DeliveryResult result = send(connector);
        assertThat(result).isInstanceOf(DeliveryResult.TemporaryFailure.class);
        assertThat(((DeliveryResult.TemporaryFailure) result).reason()).startsWith("connection to 127.0.0.1 failed: ConnectException");
    }

    @Test
    void anInvalidAddressIsRejectedWithoutCallingTheProvider() {
        DeliveryResult result = connector("2s").send(message(Messages.EMAIL, "msg_2", "Jane <jane@example.com>", Map.of()));
        assertThat(result).isInstanceOf(DeliveryResult.PermanentFailure.class);
        assertThat(((DeliveryResult.PermanentFailure) result).destinationRejected()).isTrue();
        assertThat(connector("2s").send(message(Messages.EMAIL, "msg_2", "not an address", Map.of())).status()).isEqualTo(DeliveryResult.Status.PERMANENT_FAILURE);
    }
}
