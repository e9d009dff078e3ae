package io.sillage.lakehouse.messaging.connector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zerodeplibs.webpush.PushSubscription;
import com.zerodeplibs.webpush.VAPIDKeyPair;
import com.zerodeplibs.webpush.VAPIDKeyPairs;
import com.zerodeplibs.webpush.httpclient.StandardHttpClientRequestPreparer;
import com.zerodeplibs.webpush.key.PrivateKeySources;
import com.zerodeplibs.webpush.key.PublicKeySources;
import io.sillage.lakehouse.messaging.Template;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Web Push (zerodep-web-push-java): the message, as JSON, encrypted for the subscription (RFC 8291,
 * {@code aes128gcm}) and posted to its endpoint with a VAPID {@code Authorization} (RFC 8292) and the configured
 * {@code TTL}. The payload a service worker receives is {@code {"messageId", "title", "body", "url", "image"}}
 * ({@code url} is the template's deep link; absent parts are left out). A 404 or 410 from the push service means
 * the subscription is gone: the destination is rejected.
 */
final class WebPushConnector implements Connector {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a push service must accept (RFC 8291: 4096 bytes encrypted, less the record overhead). */
    private static final int MAX_PAYLOAD = 3993;

    private final ConnectorConfig.WebPush config;
    private final VAPIDKeyPair keys;
    private final HttpDelivery http;

    WebPushConnector(ConnectorConfig.WebPush config) {
        this.config = config;
        this.keys = VAPIDKeyPairs.of(PrivateKeySources.ofECPrivateKey(Keys.p256PrivateKey(config.privateKey().reveal())),
                PublicKeySources.ofUncompressedBytes(Base64.getUrlDecoder().decode(config.publicKey().replace("=", ""))));
        this.http = new HttpDelivery(config.delivery().timeout());
    }

    @Override
    public DeliveryResult send(OutboundMessage message) {
        if (message.channel() != Template.Channel.PUSH) {
            throw new IllegalArgumentException("a push connector sends push notifications, not " + message.channel().wire());
        }
        PushSubscription subscription;
        try {
            subscription = subscription(message.destination());
        }
        catch (IllegalArgumentException e) {
            return new DeliveryResult.PermanentFailure("not a push subscription: " + e.getMessage(), true);
        }
        byte[] payload = payload(message).getBytes(StandardCharsets.UTF_8);
        if (payload.length > MAX_PAYLOAD) {
            return new DeliveryResult.PermanentFailure("the notification is " + payload.length + " bytes as JSON; a push service takes at most " + MAX_PAYLOAD, false);
        }
        HttpRequest request;
        try {
            request = StandardHttpClientRequestPreparer.getBuilder()
                    .pushSubscription(subscription)
                    .vapidJWTSubject(config.subject())
                    .vapidJWTExpiresAfter(12, TimeUnit.HOURS)
                    .pushMessage(payload)
                    .ttl(config.ttl().toSeconds(), TimeUnit.SECONDS)
                    .build(keys)
                    .toRequestBuilder()
                    .timeout(config.delivery().timeout())
                    .header("User-Agent", "Sillage")
                    .build();
        }
        catch (RuntimeException e) {
            return new DeliveryResult.PermanentFailure("cannot encrypt for this subscription: " + e.getMessage(), true);
        }
        return http.send(request, WebPushConnector::result);
    }

    private static PushSubscription subscription(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        }
        catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON");
        }
        String endpoint = node.path("endpoint").asText("");
        String p256dh = node.path("keys").path("p256dh").asText("");
        String auth = node.path("keys").path("auth").asText("");
        if (endpoint.isEmpty() || p256dh.isEmpty() || auth.isEmpty()) {
            throw new IllegalArgumentException("endpoint, keys.p256dh and keys.auth are required");
        }
        URI uri = URI.create(endpoint);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            throw new IllegalArgumentException("the endpoint is not an http(s) URL");
        }
        PushSubscription.Keys keys = new PushSubscription.Keys();
        keys.setP256dh(p256dh);
        keys.setAuth(auth);
        PushSubscription subscription = new PushSubscription();
        subscription.setEndpoint(endpoint);
        subscription.setKeys(keys);
        return subscription;
    }

    private static String payload(OutboundMessage message) {
        Template.Push push = message.content().push();
        ObjectNode payload = JSON.createObjectNode().put("messageId", message.messageId());
        if (push.title() != null) {
            payload.put("title", push.title());
        }
        payload.put("body", push.body());
        if (push.deepLink() != null) {
            payload.put("url", push.deepLink());
        }
        if (push.image() != null) {
            payload.put("image", push.image());
        }
        return payload.toString();
    }

    private static DeliveryResult result(HttpResponse<String> response) {
        if (HttpDelivery.succeeded(response)) {
            return new DeliveryResult.Accepted(response.headers().firstValue("Location").orElse(null));
        }
        if (response.statusCode() == 404 || response.statusCode() == 410) {
            return new DeliveryResult.PermanentFailure("HTTP " + response.statusCode() + ": the subscription has expired or was unsubscribed", true);
        }
        return HttpDelivery.failure(response, response.body());
    }
}
