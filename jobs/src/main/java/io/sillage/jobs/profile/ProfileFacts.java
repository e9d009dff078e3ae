package io.sillage.jobs.profile;

import java.util.LinkedHashMap;
import java.util.Map;

/** Compact consent and reachability of a profile, carried with attributed events for send decisions. */
public final class ProfileFacts {
    private ProfileFacts() {}

    /** {@code email=subscribed,push=opted_in}: per channel (topic subscriptions excluded), the best status over installations. */
    public static String consent(ProfileState state) {
        if (state.subscriptions.isEmpty()) {
            return "";
        }
        Map<String, String> best = new LinkedHashMap<>();
        for (ProfileState.Subscription subscription : state.subscriptions.values()) {
            if (subscription.topic == null) {
                best(best, subscription.channel, subscription.status);
            }
        }
        return consent(best);
    }

    /** Keeps in {@code best} the better of its status for {@code channel} and {@code status}. */
    public static void best(Map<String, String> best, String channel, String status) {
        best.merge(channel, status, (a, b) -> rank(a) >= rank(b) ? a : b);
    }

    public static String consent(Map<String, String> statusByChannel) {
        StringBuilder text = new StringBuilder();
        statusByChannel.forEach((channel, status) -> text.append(text.isEmpty() ? "" : ",").append(channel).append('=').append(status));
        return text.toString();
    }

    public static String reach(ProfileState state) {
        boolean email = state.traits.containsKey("email");
        boolean sms = state.traits.containsKey("phone");
        for (String identifier : state.identifiers) {
            email |= identifier.startsWith("email:");
            sms |= identifier.startsWith("phone:");
        }
        boolean push = false;
        boolean webPush = false;
        for (ProfileState.Subscription subscription : state.subscriptions.values()) {
            push |= "push".equals(subscription.channel) && subscription.installationId != null;
            webPush |= "web_push".equals(subscription.channel);
        }
        return reach(email, sms, push, webPush);
    }

    public static String reach(boolean email, boolean sms, boolean push, boolean webPush) {
        StringBuilder text = new StringBuilder();
        append(text, email, "email");
        append(text, sms, "sms");
        append(text, push, "push");
        append(text, webPush, "web_push");
        return text.toString();
    }

    /** Status of {@code channel} in a {@link #consent} text, or null. */
    public static String status(String consent, String channel) {
        if (consent == null) {
            return null;
        }
        for (String pair : consent.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(channel)) {
                return pair.substring(eq + 1);
            }
        }
        return null;
    }

    public static boolean reaches(String reach, String channel) {
        if (reach == null || reach.isEmpty()) {
            return false;
        }
        for (String part : reach.split(",")) {
            if (part.equals(channel)) {
                return true;
            }
        }
        return false;
    }

    private static void append(StringBuilder text, boolean condition, String channel) {
        if (condition) {
            text.append(text.isEmpty() ? "" : ",").append(channel);
        }
    }

    private static int rank(String status) {
        return switch (status == null ? "" : status) {
            case "opted_in" -> 2;
            case "subscribed" -> 1;
            default -> 0;
        };
    }

    /** A JSON string literal's text, or the raw JSON for other values. */
    static String unquote(String json) {
        return json.length() >= 2 && json.charAt(0) == '"' ? json.substring(1, json.length() - 1) : json;
    }
}
