package io.sillage.jobs.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * Whether a person may receive a message on a channel, and where it goes, from their Profile View document at send
 * time. In order:
 * <ol>
 *   <li>an erased profile (document with {@code erasedAt}) receives nothing: {@code erased};</li>
 *   <li>a webhook goes to the connector's URL, whoever the person is (no consent applies);</li>
 *   <li>a channel whose subscription status is {@code bounced} (hard bounce) or {@code suppressed} (suppression
 *       list) receives nothing, transactional messages included;</li>
 *   <li>marketing needs {@code subscribed} or {@code opted_in} on the channel ({@code no_consent}), and on the
 *       template's topic when it has one ({@code no_topic_consent}); transactional ignores both;</li>
 *   <li>an address for the channel ({@code no_address}): email, the email identifier or else the {@code email}
 *       trait; sms, the phone identifier (E.164) or else the {@code phone} trait; web_push, the push subscription
 *       JSON in the {@code web_push_subscription} trait.</li>
 * </ol>
 */
final class Eligibility {
    private Eligibility() {}

    /** Either a destination or the reason there is none. */
    record Result(String destination, String suppression) {
        static Result to(String destination) {
            return new Result(destination, null);
        }

        static Result suppressed(String reason) {
            return new Result(null, reason);
        }
    }

    static Result check(JsonNode document, String channel, boolean marketing, String topic, String webhookUrl) {
        if (document.hasNonNull("erasedAt")) {
            return Result.suppressed("erased");
        }
        if ("webhook".equals(channel)) {
            return Result.to(webhookUrl);
        }
        String status = status(document, channel, null);
        if ("bounced".equals(status) || "suppressed".equals(status)) {
            return Result.suppressed(status);
        }
        if (marketing) {
            if (!consents(status)) {
                return Result.suppressed("no_consent");
            }
            if (topic != null && !consents(status(document, channel, topic))) {
                return Result.suppressed("no_topic_consent");
            }
        }
        String destination = address(document, channel);
        return destination == null ? Result.suppressed("no_address") : Result.to(destination);
    }

    private static boolean consents(String status) {
        return "subscribed".equals(status) || "opted_in".equals(status);
    }

    /**
     * The status of the channel (topic null) or of one of its topics: a blocking status (bounced, then suppressed)
     * if any subscription has one, else the best of them (opted_in, subscribed, then anything else); null for none.
     */
    static String status(JsonNode document, String channel, String topic) {
        String best = null;
        boolean bounced = false;
        boolean suppressed = false;
        for (JsonNode subscription : document.path("subscriptions")) {
            if (!channel.equals(subscription.path("channel").asText()) || !sameTopic(topic, subscription.path("topic"))) {
                continue;
            }
            String status = subscription.path("status").asText("");
            bounced |= status.equals("bounced");
            suppressed |= status.equals("suppressed");
            if (rank(status) > rank(best)) {
                best = status;
            }
        }
        return bounced ? "bounced" : suppressed ? "suppressed" : best;
    }

    private static boolean sameTopic(String topic, JsonNode subscriptionTopic) {
        return topic == null ? subscriptionTopic.isMissingNode() || subscriptionTopic.isNull() : topic.equals(subscriptionTopic.asText(null));
    }

    private static int rank(String status) {
        if (status == null) {
            return -1;
        }
        return switch (status) {
            case "opted_in" -> 2;
            case "subscribed" -> 1;
            default -> 0;
        };
    }

    private static String address(JsonNode document, String channel) {
        return switch (channel) {
            case "email" -> {
                String email = identifier(document, "email");
                if (email == null) {
                    email = text(document.path("traits").path("email"));
                }
                yield email == null || email.indexOf('@') <= 0 ? null : email;
            }
            case "sms" -> {
                String phone = identifier(document, "phone");
                yield phone != null ? phone : text(document.path("traits").path("phone"));
            }
            case "web_push" -> {
                JsonNode subscription = document.path("traits").path("web_push_subscription");
                yield subscription.isObject() && subscription.path("endpoint").isTextual() ? subscription.toString() : null;
            }
            default -> null;
        };
    }

    private static String identifier(JsonNode document, String type) {
        for (JsonNode identifier : document.path("identifiers")) {
            if (type.equals(identifier.path("type").asText())) {
                String value = text(identifier.path("value"));
                if (value != null) {
                    return value;
                }
            }
        }
        return null;
    }

    private static String text(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank() ? node.asText().strip() : null;
    }

    /** The form of a destination that is hashed: email addresses compare without case. */
    static String normalized(String channel, String destination) {
        return "email".equals(channel) ? destination.toLowerCase(Locale.ROOT) : destination;
    }
}
