package io.sillage.lakehouse.messaging;

import ch.digitalfondue.mjml4j.Mjml4j;
import com.fasterxml.jackson.databind.JsonNode;
import io.sillage.lakehouse.automation.DefinitionProblem;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import io.sillage.lakehouse.messaging.Template.Channel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses and validates message templates (JSON), Liquid and MJML included: a template that is accepted compiles.
 * Collects every problem, each naming its field ({@code email.html}), rather than stopping at the first; a
 * Liquid syntax error says where ({@code line 3, column 12: ...}). MJML is compiled to HTML here, at save.
 */
public final class Templates {
    private static final Set<String> TOP_LEVEL = Set.of("name", "description", "channel", "topic", "email", "push", "sms", "webhook");
    private static final Map<Channel, List<String>> FIELDS = Map.of(
            Channel.EMAIL, List.of("from", "replyTo", "subject", "html", "text", "mjml"),
            Channel.PUSH, List.of("title", "body", "deepLink", "image"),
            Channel.SMS, List.of("body"),
            Channel.WEBHOOK, List.of("body"));
    private static final Pattern TOPIC = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    /** Loose on purpose (the connector parses addresses); catches a name or a URL where an address belongs. */
    private static final Pattern ADDRESS = Pattern.compile("(?s)([^<>]*<)?[^@\\s<>]+@[^@\\s<>]+>?\\s*");

    private final List<DefinitionProblem> problems = new ArrayList<>();

    private Templates() {}

    /**
     * @param version the stored version this definition is
     * @throws InvalidDefinitionException naming every problem
     */
    public static Template parse(JsonNode root, int version) {
        Templates parser = new Templates();
        Template template = parser.template(root, version);
        if (!parser.problems.isEmpty()) {
            throw new InvalidDefinitionException(parser.problems);
        }
        return template;
    }

    private Template template(JsonNode root, int version) {
        if (root == null || !root.isObject()) {
            problem("$", "must be a JSON object");
            return null;
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!TOP_LEVEL.contains(name)) {
                problem(name, "unknown field (expected one of " + String.join(", ", TOP_LEVEL.stream().sorted().toList()) + ")");
            }
        }
        String name = stripped(text(root, "name", "name", true));
        String channelText = stripped(text(root, "channel", "channel", true));
        Channel channel = null;
        if (channelText != null) {
            channel = FIELDS.keySet().stream().filter(known -> known.wire().equals(channelText)).findFirst().orElse(null);
            if (channel == null) {
                problem("channel", "unknown channel '" + channelText + "' (expected one of email, push, sms, webhook)");
            }
        }
        String topic = stripped(text(root, "topic", "topic", false));
        if (topic != null && !TOPIC.matcher(topic).matches()) {
            problem("topic", "must be a subscription topic: lower-case letters, digits, '_' or '-' (at most 64)");
        }
        for (Channel other : Channel.values()) {
            if (other != channel && channel != null && root.has(other.wire())) {
                problem(other.wire(), "this is a " + channel.wire() + " template: remove " + other.wire() + " (or change channel)");
            }
        }
        if (channel == null) {
            return null;
        }
        JsonNode content = root.path(channel.wire());
        if (!content.isObject()) {
            problem(channel.wire(), (content.isMissingNode() ? "is required for " : "must be an object for ") + "a " + channel.wire()
                    + " template, with " + String.join(", ", FIELDS.get(channel)));
            return null;
        }
        for (Iterator<String> fields = content.fieldNames(); fields.hasNext(); ) {
            String field = fields.next();
            if (!FIELDS.get(channel).contains(field)) {
                problem(channel.wire() + "." + field, "unknown field (expected one of " + String.join(", ", FIELDS.get(channel)) + ")");
            }
        }
        Template.Email email = channel == Channel.EMAIL ? email(content) : null;
        Template.Push push = channel == Channel.PUSH ? new Template.Push(liquid(content, "push", "title", false),
                liquid(content, "push", "body", true), liquid(content, "push", "deepLink", false), liquid(content, "push", "image", false)) : null;
        Template.Sms sms = channel == Channel.SMS ? new Template.Sms(liquid(content, "sms", "body", true)) : null;
        Template.Webhook webhook = channel == Channel.WEBHOOK ? new Template.Webhook(liquid(content, "webhook", "body", true)) : null;
        return problems.isEmpty() ? new Template(name, channel, topic, version, email, push, sms, webhook) : null;
    }

    private Template.Email email(JsonNode email) {
        String from = address(email, "from", true);
        String replyTo = address(email, "replyTo", false);
        String subject = liquid(email, "email", "subject", true);
        String html = liquid(email, "email", "html", false);
        String text = liquid(email, "email", "text", false);
        String mjml = liquid(email, "email", "mjml", false);
        if (email.hasNonNull("html") && email.hasNonNull("mjml")) {
            problem("email.html", "give html or mjml, not both: the HTML is compiled from the MJML");
        }
        else if (mjml != null) {
            html = compileMjml(mjml);
        }
        else if (!email.hasNonNull("html") && !email.hasNonNull("mjml") && !email.hasNonNull("text")) {
            problem("email.html", "an email needs html, mjml or text (or both a text part and html or mjml)");
        }
        return new Template.Email(from, replyTo, subject, html, text, mjml);
    }

    /** The HTML compiled from MJML (Liquid in it is kept as text), or null with a problem. */
    private String compileMjml(String mjml) {
        String html;
        try {
            html = Mjml4j.render(mjml);
        }
        catch (RuntimeException e) {
            problem("email.mjml", "does not compile to HTML: " + e.getMessage());
            return null;
        }
        try {
            Liquid.compile(html, Liquid.Escaping.NONE);
        }
        catch (Liquid.SyntaxException e) {
            problem("email.mjml", "the HTML compiled from it is no longer valid Liquid (" + e.getMessage()
                    + "): put Liquid tags between MJML elements inside <mj-raw>, or inside <mj-text>");
            return null;
        }
        return html;
    }

    private String address(JsonNode node, String name, boolean required) {
        String value = liquid(node, "email", name, required);
        if (value != null && !value.contains("{") && !ADDRESS.matcher(value).matches()) {
            problem("email." + name, "must be an email address, e.g. shop@example.com or \"Shop <shop@example.com>\"");
        }
        return value;
    }

    /** A Liquid text that compiles, or null (with a problem when it is required or does not compile). */
    private String liquid(JsonNode node, String channel, String name, boolean required) {
        String field = channel + "." + name;
        String value = text(node, name, field, required);
        if (value == null) {
            return null;
        }
        try {
            Liquid.compile(value, Liquid.Escaping.NONE);
            return value;
        }
        catch (Liquid.SyntaxException e) {
            problem(field, e.getMessage());
            return null;
        }
    }

    private String text(JsonNode node, String name, String field, boolean required) {
        JsonNode value = node.path(name);
        if (value.isMissingNode() || value.isNull()) {
            if (required) {
                problem(field, "is required");
            }
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            problem(field, "must be a non-empty string");
            return null;
        }
        return value.asText();
    }

    private static String stripped(String text) {
        return text == null ? null : text.strip();
    }

    private void problem(String field, String message) {
        problems.add(new DefinitionProblem(field, message));
    }
}
