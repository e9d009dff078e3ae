package io.sillage.lakehouse.messaging.connector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.messaging.Template;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * SMS through a Twilio-style Messages API: {@code POST {baseUrl}/2010-04-01/Accounts/{accountSid}/Messages.json},
 * form-encoded {@code To}, {@code From} (or {@code MessagingServiceSid}) and {@code Body}, with Basic auth. The
 * provider's id is the message SID. Error codes that condemn the number (invalid, not a mobile, opted out with
 * STOP) reject the destination.
 */
final class TwilioConnector implements Connector {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");
    /** 21211 invalid 'To' number, 21610 the person replied STOP, 21614 not a mobile number. */
    private static final Set<Integer> DESTINATION_ERRORS = Set.of(21211, 21610, 21614);

    private final ConnectorConfig.Twilio config;
    private final URI messages;
    private final String authorization;
    private final HttpDelivery http;

    TwilioConnector(ConnectorConfig.Twilio config) {
        this.config = config;
        this.messages = URI.create(config.baseUrl() + "/2010-04-01/Accounts/" + config.accountSid() + "/Messages.json");
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((config.accountSid() + ":" + config.authToken().reveal()).getBytes(StandardCharsets.UTF_8));
        this.http = new HttpDelivery(config.delivery().timeout());
    }

    @Override
    public DeliveryResult send(OutboundMessage message) {
        if (message.channel() != Template.Channel.SMS) {
            throw new IllegalArgumentException("an SMS connector sends SMS, not " + message.channel().wire());
        }
        if (!E164.matcher(message.destination()).matches()) {
            return new DeliveryResult.PermanentFailure("not a phone number in E.164: '" + message.destination() + "'", true);
        }
        String sender = config.from().startsWith("MG") ? "MessagingServiceSid" : "From";
        String form = "To=" + encode(message.destination()) + "&" + sender + "=" + encode(config.from()) + "&Body=" + encode(message.content().sms().body());
        HttpRequest request = http.request(messages)
                .header("Authorization", authorization)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        return http.send(request, TwilioConnector::result);
    }

    private static DeliveryResult result(HttpResponse<String> response) {
        JsonNode answer;
        try {
            answer = JSON.readTree(response.body());
        }
        catch (JsonProcessingException e) {
            answer = JSON.missingNode();
        }
        if (HttpDelivery.succeeded(response)) {
            return new DeliveryResult.Accepted(answer.path("sid").isTextual() ? answer.get("sid").asText() : null);
        }
        String detail = answer.hasNonNull("message") ? answer.path("code").asText("") + " " + answer.get("message").asText() : response.body();
        if (response.statusCode() == 400 && DESTINATION_ERRORS.contains(answer.path("code").asInt())) {
            return new DeliveryResult.PermanentFailure("HTTP 400: " + HttpDelivery.excerpt(detail), true);
        }
        return HttpDelivery.failure(response, detail);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
