package io.sillage.lakehouse.messaging.connector;

import io.sillage.lakehouse.messaging.Template;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;

/**
 * Webhooks: the rendered JSON body posted to the destination URL, signed per Standard Webhooks
 * ({@link StandardWebhooks}): {@code webhook-id} is the message id, the same on every retry. A 410 Gone rejects
 * the destination (the spec's way for a receiver to say "stop sending").
 */
final class WebhookConnector implements Connector {
    private final StandardWebhooks signatures;
    private final HttpDelivery http;

    WebhookConnector(ConnectorConfig.Webhook config) {
        this.signatures = new StandardWebhooks(config.secret());
        this.http = new HttpDelivery(config.delivery().timeout());
    }

    @Override
    public DeliveryResult send(OutboundMessage message) {
        if (message.channel() != Template.Channel.WEBHOOK) {
            throw new IllegalArgumentException("a webhook connector sends webhooks, not " + message.channel().wire());
        }
        URI url;
        try {
            url = new URI(message.destination());
        }
        catch (URISyntaxException e) {
            return new DeliveryResult.PermanentFailure("not a URL: " + e.getMessage(), true);
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || url.getHost() == null) {
            return new DeliveryResult.PermanentFailure("not an http(s) URL: '" + message.destination() + "'", true);
        }
        byte[] body = message.content().webhook().body().getBytes(StandardCharsets.UTF_8);
        long timestamp = Instant.now().getEpochSecond();
        HttpRequest request = http.request(url)
                .header("Content-Type", "application/json")
                .header("webhook-id", message.messageId())
                .header("webhook-timestamp", String.valueOf(timestamp))
                .header("webhook-signature", signatures.sign(message.messageId(), timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return http.send(request, WebhookConnector::result);
    }

    private static DeliveryResult result(HttpResponse<String> response) {
        if (HttpDelivery.succeeded(response)) {
            return new DeliveryResult.Accepted(null);
        }
        if (response.statusCode() == 410) {
            return new DeliveryResult.PermanentFailure("HTTP 410: the receiver asks to stop sending to this URL", true);
        }
        return HttpDelivery.failure(response, response.body());
    }
}
