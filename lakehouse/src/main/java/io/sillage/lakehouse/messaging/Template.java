package io.sillage.lakehouse.messaging;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A validated message template: one channel and its content, whose texts are Liquid sources. Parsed from the JSON
 * the marketer API accepts by {@link Templates#parse}, which the activation job parses the same way; the JSON
 * shape is in {@code docs/messaging.md}. Exactly the content of {@code channel} is set, the others are null.
 *
 * <p>{@code version} is the stored version of the template (1, then + 1 on every change), recorded with every
 * message rendered from it. {@code topic} is the subscription topic a marketing message of this template needs
 * the person to be subscribed to, or null.
 */
public record Template(String name, Channel channel, String topic, int version, Email email, Push push, Sms sms, Webhook webhook) {

    public Template {
        requireNonNull(name, "name is null");
        requireNonNull(channel, "channel is null");
        if (version < 1) {
            throw new IllegalArgumentException("version must be at least 1, got " + version);
        }
        Object content = switch (channel) {
            case EMAIL -> email;
            case PUSH -> push;
            case SMS -> sms;
            case WEBHOOK -> webhook;
        };
        int contents = (email != null ? 1 : 0) + (push != null ? 1 : 0) + (sms != null ? 1 : 0) + (webhook != null ? 1 : 0);
        if (content == null || contents != 1) {
            throw new IllegalArgumentException("a " + channel.wire() + " template holds exactly its " + channel.wire() + " content");
        }
    }

    public enum Channel {
        EMAIL, PUSH, SMS, WEBHOOK;

        /** The name in JSON: {@code email}, {@code push}, {@code sms}, {@code webhook}. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * {@code html} is what is rendered: the marketer's HTML, or the HTML compiled from {@code mjml} when the
     * template was written in MJML (then {@code mjml} keeps the source). {@code replyTo}, {@code html} and
     * {@code text} are optional, but an email has an HTML or a text part.
     */
    public record Email(String from, String replyTo, String subject, String html, String text, String mjml) {}

    /** {@code title}, {@code deepLink} and {@code image} are optional. */
    public record Push(String title, String body, String deepLink, String image) {}

    public record Sms(String body) {}

    /** {@code body} renders to the JSON document posted to the webhook. */
    public record Webhook(String body) {}

    /**
     * The Liquid sources to render, by field ({@code email.subject}, {@code email.html}, ...), in a stable order;
     * optional fields that are absent are left out, and so is {@code email.mjml} (its compiled HTML is
     * {@code email.html}).
     */
    public Map<String, String> parts() {
        Map<String, String> parts = new LinkedHashMap<>();
        switch (channel) {
            case EMAIL -> {
                put(parts, "email.from", email.from());
                put(parts, "email.replyTo", email.replyTo());
                put(parts, "email.subject", email.subject());
                put(parts, "email.html", email.html());
                put(parts, "email.text", email.text());
            }
            case PUSH -> {
                put(parts, "push.title", push.title());
                put(parts, "push.body", push.body());
                put(parts, "push.deepLink", push.deepLink());
                put(parts, "push.image", push.image());
            }
            case SMS -> put(parts, "sms.body", sms.body());
            case WEBHOOK -> put(parts, "webhook.body", webhook.body());
        }
        return parts;
    }

    /** The same template with other texts: {@code parts} as {@link #parts()} names them (a part left out becomes null). */
    public Template withParts(Map<String, String> parts) {
        return switch (channel) {
            case EMAIL -> new Template(name, channel, topic, version,
                    new Email(parts.get("email.from"), parts.get("email.replyTo"), parts.get("email.subject"), parts.get("email.html"), parts.get("email.text"), null),
                    null, null, null);
            case PUSH -> new Template(name, channel, topic, version, null,
                    new Push(parts.get("push.title"), parts.get("push.body"), parts.get("push.deepLink"), parts.get("push.image")), null, null);
            case SMS -> new Template(name, channel, topic, version, null, null, new Sms(parts.get("sms.body")), null);
            case WEBHOOK -> new Template(name, channel, topic, version, null, null, null, new Webhook(parts.get("webhook.body")));
        };
    }

    private static void put(Map<String, String> parts, String field, String source) {
        if (source != null) {
            parts.put(field, source);
        }
    }
}
