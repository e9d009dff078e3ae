package io.sillage.lakehouse.messaging.connector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.lakehouse.messaging.Template;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/**
 * Email through a SparkPost-style transmissions API: {@code POST {baseUrl}/api/v1/transmissions} with the API key
 * as {@code Authorization}, one recipient, the rendered content and the extra headers, the message and project ids
 * as metadata with the message's own {@link OutboundMessage#metadata} (they come back in the provider's delivery and
 * bounce events as {@code rcpt_meta}), and the message id as
 * {@code Idempotency-Key}.
 */
final class SparkPostConnector implements Connector {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConnectorConfig.SparkPost config;
    private final URI transmissions;
    private final HttpDelivery http;

    SparkPostConnector(ConnectorConfig.SparkPost config) {
        this.config = config;
        this.transmissions = URI.create(config.baseUrl() + "/api/v1/transmissions");
        this.http = new HttpDelivery(config.delivery().timeout());
    }

    @Override
    public DeliveryResult send(OutboundMessage message) {
        Template.Email email = Mail.content(message);
        DeliveryResult.PermanentFailure invalid = Mail.invalidAddress(message.destination());
        if (invalid != null) {
            return invalid;
        }
        ObjectNode body = JSON.createObjectNode();
        body.putArray("recipients").addObject().putObject("address").put("email", message.destination());
        ObjectNode content = body.putObject("content");
        content.put("from", email.from());
        content.put("subject", email.subject());
        if (email.replyTo() != null) {
            content.put("reply_to", email.replyTo());
        }
        if (email.html() != null) {
            content.put("html", email.html());
        }
        if (email.text() != null) {
            content.put("text", email.text());
        }
        if (!message.headers().isEmpty()) {
            ObjectNode headers = content.putObject("headers");
            message.headers().forEach(headers::put);
        }
        ObjectNode metadata = body.putObject("metadata");
        message.metadata().forEach(metadata::put);
        metadata.put("message_id", message.messageId()).put("project_id", message.projectId());
        HttpRequest request = http.request(transmissions)
                .header("Authorization", config.apiKey().reveal())
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("Idempotency-Key", message.messageId())
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        return http.send(request, SparkPostConnector::result);
    }

    private static DeliveryResult result(HttpResponse<String> response) {
        JsonNode answer;
        try {
            answer = JSON.readTree(response.body());
        }
        catch (JsonProcessingException e) {
            answer = JSON.missingNode();
        }
        if (!HttpDelivery.succeeded(response)) {
            String errors = StreamSupport.stream(answer.path("errors").spliterator(), false)
                    .map(error -> error.path("message").asText() + (error.hasNonNull("description") ? " (" + error.get("description").asText() + ")" : ""))
                    .collect(Collectors.joining("; "));
            return HttpDelivery.failure(response, errors.isEmpty() ? response.body() : errors);
        }
        JsonNode results = answer.path("results");
        if (results.path("total_accepted_recipients").asInt(1) == 0) {
            return new DeliveryResult.PermanentFailure("the provider rejected the recipient", true);
        }
        return new DeliveryResult.Accepted(results.path("id").isValueNode() ? results.path("id").asText() : null);
    }
}
