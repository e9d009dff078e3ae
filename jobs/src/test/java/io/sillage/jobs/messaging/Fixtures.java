package io.sillage.jobs.messaging;

import io.sillage.jobs.automation.ActivationRequest;
import io.sillage.jobs.profile.ProfileReader;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Requests, profiles, templates and connectors for the activation job's tests, and an in-memory serving store. */
final class Fixtures {
    static final long T0 = Instant.parse("2026-03-02T12:00:00Z").toEpochMilli();
    static final long SECOND = 1_000;
    static final long HOUR = 3_600_000;
    static final long DAY = 24 * HOUR;
    static final String PROJECT = "shop";
    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    static final String EMAIL_TEMPLATE = """
            {"name": "Cart", "channel": "email", "email": {"from": "Shop <shop@example.com>",
             "subject": "{{ profile.first_name | default: \\"Hey\\" }}, your cart", "html": "<p>Hello {{ profile.first_name }}: {{ event.cart_id }}</p>",
             "text": "Hello {{ profile.first_name }}"}}""";
    static final String PROMO_TEMPLATE = """
            {"name": "Promo", "channel": "email", "topic": "promotions", "email": {"from": "shop@example.com", "subject": "Sale", "text": "Sale"}}""";
    static final String SMS_TEMPLATE = """
            {"name": "Code", "channel": "sms", "sms": {"body": "Your code {{ event.code }}"}}""";
    static final String WEBHOOK_TEMPLATE = """
            {"name": "Hook", "channel": "webhook", "webhook": {"body": "{\\"name\\": \\"{{ profile.first_name }}\\", \\"cart\\": \\"{{ event.cart_id }}\\"}"}}""";
    static final String PUSH_TEMPLATE = """
            {"name": "Push", "channel": "push", "push": {"title": "Hi", "body": "Come back"}}""";
    static final String SMTP = "{\"type\": \"smtp\", \"host\": \"localhost\", \"tls\": \"none\"}";
    static final String TWILIO = "{\"type\": \"twilio\", \"accountSid\": \"AC1\", \"authToken\": \"t\", \"from\": \"+15005550006\"}";

    /** The serving store: "project/profile" to a Profile View document; MERGED maps an absorbed profile to its survivor. */
    static final Map<String, String> PROFILES = new ConcurrentHashMap<>();
    static final Map<String, String> MERGED = new ConcurrentHashMap<>();

    private Fixtures() {}

    static ProfileReader.Factory profiles() {
        return Fixtures::reader;
    }

    private static ProfileReader reader() {
        return new ProfileReader() {
            @Override
            public Stored read(String projectId, String profileId) {
                String current = profileId;
                while (MERGED.containsKey(projectId + "/" + current)) {
                    current = MERGED.get(projectId + "/" + current);
                }
                String document = PROFILES.get(projectId + "/" + current);
                return document == null ? null : new Stored(current, document);
            }

            @Override
            public void close() {}
        };
    }

    static void reset() {
        PROFILES.clear();
        MERGED.clear();
        InMemorySendLog.SHARED.clear();
    }

    static ActivationRequest request(String key, String profileId, String channel, String template, String audience) {
        ActivationRequest request = new ActivationRequest();
        request.idempotencyKey = key;
        request.projectId = PROJECT;
        request.automationId = "aut_cart";
        request.automationVersion = 3;
        request.instanceId = key;
        request.profileId = profileId;
        request.identifier = "user_id:" + profileId;
        request.channel = channel;
        request.template = template;
        request.variant = "a";
        request.audience = audience;
        request.entryEvent = "Product Added";
        request.entryMessageId = key;
        request.entryProperties = "{\"cart_id\":\"c-1\",\"code\":\"4242\"}";
        request.deadlineMillis = T0;
        request.firedAtMillis = T0;
        return request;
    }

    /** Stores a profile with an email identifier and the given subscriptions ({@code email=subscribed}, {@code email/promotions=opted_in}). */
    static void profile(String profileId, String email, String... subscriptions) {
        StringBuilder list = new StringBuilder();
        for (String subscription : subscriptions) {
            int eq = subscription.indexOf('=');
            String[] channelAndTopic = subscription.substring(0, eq).split("/");
            list.append(list.isEmpty() ? "" : ",").append("{\"channel\": \"").append(channelAndTopic[0]).append("\", \"topic\": ")
                    .append(channelAndTopic.length > 1 ? "\"" + channelAndTopic[1] + "\"" : "null")
                    .append(", \"installationId\": null, \"status\": \"").append(subscription.substring(eq + 1)).append("\"}");
        }
        String identifiers = email == null ? "" : "{\"type\": \"email\", \"value\": \"" + email + "\"}";
        document(profileId, """
                {"profileId": "%s", "version": 3, "mergedInto": null, "identifiers": [%s],
                 "traits": {"first_name": "Ann"}, "subscriptions": [%s], "computed": {"orderCount": 2}}""".formatted(profileId, identifiers, list));
    }

    static void document(String profileId, String document) {
        PROFILES.put(PROJECT + "/" + profileId, document);
    }

    static MessagingUpdate template(String id, int version, String definition) {
        return new MessagingUpdate(MessagingUpdate.TEMPLATE, PROJECT, id, version, "active", definition, null);
    }

    static MessagingUpdate snippet(String name, String source) {
        return new MessagingUpdate(MessagingUpdate.SNIPPET, PROJECT, name, 0, "active", source, null);
    }

    static MessagingUpdate connector(String channel, int version, String config, String url) {
        return new MessagingUpdate(MessagingUpdate.CONNECTOR, PROJECT, channel, version, "active", config, url);
    }

    static MessagingUpdate deleted(String kind, String id) {
        return new MessagingUpdate(kind, PROJECT, id, 0, MessagingUpdate.DELETED, null, null);
    }

    static String webhookConfig(int maxAttempts, String timeout) {
        return """
                {"type": "webhook", "secret": "%s", "timeout": "%s", "retry": {"maxAttempts": %d, "initialBackoff": "100ms", "maxBackoff": "200ms"}}"""
                .formatted(SECRET, timeout, maxAttempts);
    }

    /** A marketing delivery as the decision stages pass it on (before rendering). */
    static Delivery delivery(String key, String profileId, String channel, String destination) {
        Delivery delivery = Delivery.of(request(key, profileId, channel, "tpl_cart", "marketing"), T0);
        delivery.destination = destination;
        delivery.destinationHash = Delivery.destinationHash(Eligibility.normalized(channel, destination));
        delivery.profile = "{\"traits\": {\"first_name\": \"Ann\"}}";
        return delivery;
    }
}
