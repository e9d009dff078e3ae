package io.sillage.lakehouse.messaging.connector;

import static io.sillage.lakehouse.messaging.connector.Messages.json;
import static io.sillage.lakehouse.messaging.connector.Messages.message;
import static org.assertj.core.api.Assertions.assertThat;

import io.sillage.lakehouse.messaging.connector.LocalHttpServer.Response;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TwilioConnectorTest {
    private final LocalHttpServer provider = new LocalHttpServer();

    @AfterEach
    void stop() {
        provider.close();
    }

    private Connector connector(String from) {
        return ConnectorConfigs.parse(json("{\"type\": \"twilio\", \"accountSid\": \"AC0123\", \"authToken\": \"tok-secret\", \"from\": \"" + from
                + "\", \"baseUrl\": \"" + provider.uri("") + "\"}")).open();
    }

    private static Map<String, String> form(String body) {
        return Stream.of(body.split("&")).map(pair -> pair.split("=", 2))
                .collect(Collectors.toMap(pair -> pair[0], pair -> URLDecoder.decode(pair[1], StandardCharsets.UTF_8)));
    }

    @Test
    void postsTheSmsFormWithBasicAuth() {
        provider.answer(request -> Response.of(201, "{\"sid\":\"SM0000000000000000000000000000000a\",\"status\":\"queued\"}"));

        DeliveryResult result = connector("+15005550006").send(message(Messages.SMS, "msg_1", "+33612345678", Map.of()));

        assertThat(result).isEqualTo(new DeliveryResult.Accepted("SM0000000000000000000000000000000a"));
        LocalHttpServer.Request request = provider.take();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.uri().getPath()).isEqualTo("/2010-04-01/Accounts/AC0123/Messages.json");
        assertThat(request.header("Authorization")).isEqualTo("Basic " + Base64.getEncoder().encodeToString("AC0123:tok-secret".getBytes(StandardCharsets.UTF_8)));
        assertThat(request.header("Content-Type")).isEqualTo("application/x-www-form-urlencoded");
        assertThat(form(request.text())).isEqualTo(Map.of("To", "+33612345678", "From", "+15005550006", "Body", "Hi Jane, cart c-42 & more"));
    }

    @Test
    void aMessagingServiceSendsWithItsSid() {
        provider.answer(request -> Response.of(201, "{\"sid\":\"SM1\"}"));
        connector("MG0123456789abcdef0123456789abcdef").send(message(Messages.SMS, "msg_1", "+33612345678", Map.of()));
        assertThat(form(provider.take().text())).containsEntry("MessagingServiceSid", "MG0123456789abcdef0123456789abcdef").doesNotContainKey("From");
    }

    @Test
    void errorsThatCondemnTheNumberRejectTheDestination() {
        Connector connector = connector("+15005550006");
        provider.answer(request -> Response.of(400, "{\"code\": 21211, \"message\": \"The 'To' number +33612345678 is not a valid phone number.\", \"status\": 400}"));
        assertThat(connector.send(message(Messages.SMS, "msg_1", "+33612345678", Map.of())))
                .isEqualTo(new DeliveryResult.PermanentFailure("HTTP 400: 21211 The 'To' number +33612345678 is not a valid phone number.", true));

        provider.answer(request -> Response.of(400, "{\"code\": 21617, \"message\": \"The concatenated message body exceeds the 1600 character limit.\", \"status\": 400}"));
        assertThat(connector.send(message(Messages.SMS, "msg_1", "+33612345678", Map.of())))
                .isEqualTo(new DeliveryResult.PermanentFailure("HTTP 400: 21617 The concatenated message body exceeds the 1600 character limit.", false));

        provider.answer(request -> Response.of(429, "{\"code\": 20429, \"message\": \"Too Many Requests\", \"status\": 429}"));
        assertThat(connector.send(message(Messages.SMS, "msg_1", "+33612345678", Map.of())).status()).isEqualTo(DeliveryResult.Status.TEMPORARY_FAILURE);

        assertThat(connector.send(message(Messages.SMS, "msg_1", "06 12 34 56 78", Map.of())))
                .isEqualTo(new DeliveryResult.PermanentFailure("not a phone number in E.164: '06 12 34 56 78'", true));
    }
}
