package io.sillage.lakehouse.messaging.connector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zerodeplibs.webpush.key.PublicKeySources;
import io.sillage.lakehouse.automation.DefinitionProblem;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import io.sillage.lakehouse.messaging.Template.Channel;
import io.sillage.lakehouse.settings.Durations;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses and validates connector configurations (JSON). Collects every problem, each naming its field
 * ({@code dkim.privateKey}, {@code rateLimit.permits}), like {@link io.sillage.lakehouse.messaging.Templates};
 * a problem never quotes a secret.
 */
public final class ConnectorConfigs {
    private static final Map<String, List<String>> FIELDS = Map.of(
            "smtp", List.of("host", "port", "tls", "username", "password", "from", "replyTo", "dkim"),
            "sparkpost", List.of("baseUrl", "apiKey"),
            "webhook", List.of("secret"),
            "twilio", List.of("baseUrl", "accountSid", "authToken", "from"),
            "webpush", List.of("vapid", "ttl"));
    private static final List<String> COMMON = List.of("type", "timeout", "rateLimit", "retry");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+]");
    private static final Pattern DOMAIN = Pattern.compile("([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z]{2,}");
    private static final Pattern SELECTOR = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");
    private static final Pattern ACCOUNT = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern SENDER = Pattern.compile("\\+[1-9][0-9]{1,14}|MG[0-9a-fA-F]{32}");
    private static final Duration MAX_PUSH_TTL = Duration.ofDays(28);

    /** The channels a project has connectors for, and the template channel each sends ({@code web_push} sends push templates). */
    public static final Map<String, Channel> CHANNELS = Map.of(
            "email", Channel.EMAIL,
            "sms", Channel.SMS,
            "web_push", Channel.PUSH,
            "webhook", Channel.WEBHOOK);
    /** Where each type keeps its secrets: the fields {@link #redacted} masks. */
    private static final Map<String, List<String>> SECRETS = Map.of(
            "smtp", List.of("/password", "/dkim/privateKey"),
            "sparkpost", List.of("/apiKey"),
            "webhook", List.of("/secret"),
            "twilio", List.of("/authToken"),
            "webpush", List.of("/vapid/privateKey"));
    /** What a secret shows as. */
    public static final String REDACTED = "********";

    private final List<DefinitionProblem> problems = new ArrayList<>();

    private ConnectorConfigs() {}

    /** @throws InvalidDefinitionException naming every problem */
    public static ConnectorConfig parse(JsonNode root) {
        ConnectorConfigs parser = new ConnectorConfigs();
        ConnectorConfig config = parser.config(root);
        if (!parser.problems.isEmpty()) {
            throw new InvalidDefinitionException(parser.problems);
        }
        return config;
    }

    /** Whether {@code url} is an absolute http(s) URL with a host: where a webhook connector may post. */
    public static boolean isHttpUrl(String url) {
        if (url == null) {
            return false;
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null;
        }
        catch (URISyntaxException e) {
            return false;
        }
    }

    /** A copy of a configuration with every secret present replaced by {@link #REDACTED}: what may be shown or returned. */
    public static JsonNode redacted(JsonNode root) {
        JsonNode copy = root.deepCopy();
        for (String path : SECRETS.getOrDefault(copy.path("type").asText(""), List.of())) {
            int slash = path.lastIndexOf('/');
            JsonNode parent = slash == 0 ? copy : copy.at(path.substring(0, slash));
            String field = path.substring(slash + 1);
            if (parent instanceof ObjectNode object && object.has(field)) {
                object.put(field, REDACTED);
            }
        }
        return copy;
    }

    private ConnectorConfig config(JsonNode root) {
        if (root == null || !root.isObject()) {
            problem("$", "must be a JSON object");
            return null;
        }
        String type = text(root, "type", "type", true);
        if (type == null) {
            return null;
        }
        List<String> fields = FIELDS.get(type);
        if (fields == null) {
            problem("type", "unknown connector type '" + type + "' (expected one of " + String.join(", ", FIELDS.keySet().stream().sorted().toList()) + ")");
            return null;
        }
        List<String> known = new ArrayList<>(COMMON);
        known.addAll(fields);
        unknownFields(root, "", known);
        ConnectorConfig.Delivery delivery = delivery(root);
        ConnectorConfig config = switch (type) {
            case "smtp" -> smtp(root, delivery);
            case "sparkpost" -> new ConnectorConfig.SparkPost(url(root, "baseUrl", "https://api.sparkpost.com"), secret(root, "apiKey", "apiKey"), delivery);
            case "webhook" -> new ConnectorConfig.Webhook(webhookSecret(root), delivery);
            case "twilio" -> twilio(root, delivery);
            default -> webPush(root, delivery);
        };
        return problems.isEmpty() ? config : null;
    }

    private ConnectorConfig.Delivery delivery(JsonNode root) {
        ConnectorConfig.Delivery defaults = ConnectorConfig.Delivery.DEFAULT;
        Duration timeout = duration(root, "timeout", "timeout", defaults.timeout());
        RateLimiter.Limit limit = defaults.rateLimit();
        JsonNode rateLimit = object(root, "rateLimit");
        if (rateLimit != null) {
            unknownFields(rateLimit, "rateLimit.", List.of("permits", "per", "burst"));
            long permits = number(rateLimit, "permits", "rateLimit.permits", limit.permits(), 1, 1_000_000);
            limit = new RateLimiter.Limit(permits, duration(rateLimit, "per", "rateLimit.per", limit.period()),
                    number(rateLimit, "burst", "rateLimit.burst", permits, 1, 1_000_000));
        }
        RetryPolicy policy = defaults.retry();
        JsonNode retry = object(root, "retry");
        if (retry != null) {
            unknownFields(retry, "retry.", List.of("maxAttempts", "initialBackoff", "maxBackoff"));
            int maxAttempts = (int) number(retry, "maxAttempts", "retry.maxAttempts", policy.maxAttempts(), 1, 100);
            Duration initial = duration(retry, "initialBackoff", "retry.initialBackoff", policy.initialBackoff());
            Duration max = duration(retry, "maxBackoff", "retry.maxBackoff", initial.compareTo(policy.maxBackoff()) > 0 ? initial : policy.maxBackoff());
            if (max.compareTo(initial) < 0) {
                problem("retry.maxBackoff", "must be at least retry.initialBackoff");
                max = initial;
            }
            policy = new RetryPolicy(maxAttempts, initial, max);
        }
        return new ConnectorConfig.Delivery(timeout, limit, policy);
    }

    private ConnectorConfig.Smtp smtp(JsonNode root, ConnectorConfig.Delivery delivery) {
        String host = text(root, "host", "host", true);
        if (host != null && !HOST.matcher(host).matches()) {
            problem("host", "must be a host name or an IP address");
        }
        String tlsText = text(root, "tls", "tls", false);
        ConnectorConfig.TlsMode tls = ConnectorConfig.TlsMode.STARTTLS;
        if (tlsText != null) {
            switch (tlsText) {
                case "none" -> tls = ConnectorConfig.TlsMode.NONE;
                case "starttls" -> tls = ConnectorConfig.TlsMode.STARTTLS;
                case "tls" -> tls = ConnectorConfig.TlsMode.TLS;
                default -> problem("tls", "must be none, starttls or tls");
            }
        }
        int defaultPort = switch (tls) {
            case NONE -> 25;
            case STARTTLS -> 587;
            case TLS -> 465;
        };
        int port = (int) number(root, "port", "port", defaultPort, 1, 65535);
        String username = text(root, "username", "username", false);
        Secret password = root.hasNonNull("password") ? secret(root, "password", "password") : null;
        if (root.hasNonNull("username") != root.hasNonNull("password")) {
            problem(root.hasNonNull("username") ? "password" : "username", "give both username and password, or neither");
        }
        String from = address(root, "from");
        String replyTo = address(root, "replyTo");
        ConnectorConfig.Dkim dkim = null;
        JsonNode signing = object(root, "dkim");
        if (signing != null) {
            unknownFields(signing, "dkim.", List.of("domain", "selector", "privateKey"));
            String domain = text(signing, "domain", "dkim.domain", true);
            if (domain != null && !DOMAIN.matcher(domain).matches()) {
                problem("dkim.domain", "must be a domain name, e.g. example.com");
            }
            String selector = text(signing, "selector", "dkim.selector", true);
            if (selector != null && !SELECTOR.matcher(selector).matches()) {
                problem("dkim.selector", "must be a DNS label (letters, digits, '-', '_', '.')");
            }
            Secret key = secret(signing, "privateKey", "dkim.privateKey");
            if (key != null) {
                try {
                    Keys.rsaPrivateKey(key.reveal());
                }
                catch (IllegalArgumentException e) {
                    problem("dkim.privateKey", e.getMessage());
                }
            }
            dkim = new ConnectorConfig.Dkim(domain, selector, key);
        }
        return new ConnectorConfig.Smtp(host, port, tls, username, password, from, replyTo, dkim, delivery);
    }

    private ConnectorConfig.Twilio twilio(JsonNode root, ConnectorConfig.Delivery delivery) {
        URI baseUrl = url(root, "baseUrl", "https://api.twilio.com");
        String accountSid = text(root, "accountSid", "accountSid", true);
        if (accountSid != null && !ACCOUNT.matcher(accountSid).matches()) {
            problem("accountSid", "must be 1 to 64 letters, digits, '_' or '-'");
        }
        Secret authToken = secret(root, "authToken", "authToken");
        String from = text(root, "from", "from", true);
        if (from != null && !SENDER.matcher(from).matches()) {
            problem("from", "must be a phone number in E.164 (+33612345678) or a messaging service SID (MG and 32 hex digits)");
        }
        return new ConnectorConfig.Twilio(baseUrl, accountSid, authToken, from, delivery);
    }

    private ConnectorConfig.WebPush webPush(JsonNode root, ConnectorConfig.Delivery delivery) {
        Duration ttl = duration(root, "ttl", "ttl", Duration.ofDays(1));
        if (ttl.compareTo(MAX_PUSH_TTL) > 0) {
            problem("ttl", "must be at most 28d");
        }
        JsonNode vapid = object(root, "vapid");
        if (vapid == null) {
            if (!root.has("vapid")) {
                problem("vapid", "is required: {subject, publicKey, privateKey}");
            }
            return null;
        }
        unknownFields(vapid, "vapid.", List.of("subject", "publicKey", "privateKey"));
        String subject = text(vapid, "subject", "vapid.subject", true);
        if (subject != null && !subject.startsWith("mailto:") && !subject.startsWith("https://")) {
            problem("vapid.subject", "must be a mailto: or https: URI, e.g. mailto:ops@example.com");
        }
        String publicKey = text(vapid, "publicKey", "vapid.publicKey", true);
        if (publicKey != null) {
            try {
                PublicKeySources.ofUncompressedBytes(Base64.getUrlDecoder().decode(publicKey.replace("=", ""))).extract();
            }
            catch (RuntimeException e) {
                problem("vapid.publicKey", "must be a P-256 public key, uncompressed (65 bytes) in base64url");
            }
        }
        Secret privateKey = secret(vapid, "privateKey", "vapid.privateKey");
        if (privateKey != null) {
            try {
                Keys.p256PrivateKey(privateKey.reveal());
            }
            catch (IllegalArgumentException e) {
                problem("vapid.privateKey", e.getMessage());
            }
        }
        return new ConnectorConfig.WebPush(subject, publicKey, privateKey, ttl, delivery);
    }

    private Secret webhookSecret(JsonNode root) {
        Secret secret = secret(root, "secret", "secret");
        if (secret != null) {
            try {
                StandardWebhooks.key(secret);
            }
            catch (IllegalArgumentException e) {
                problem("secret", e.getMessage());
            }
        }
        return secret;
    }

    private String address(JsonNode node, String name) {
        String value = text(node, name, name, false);
        if (value != null) {
            try {
                new InternetAddress(value, true).validate();
            }
            catch (AddressException e) {
                problem(name, "must be an email address: " + e.getMessage());
            }
        }
        return value;
    }

    private URI url(JsonNode node, String name, String otherwise) {
        String value = text(node, name, name, false);
        URI uri = URI.create(otherwise);
        if (value != null) {
            try {
                uri = new URI(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
            }
            catch (URISyntaxException e) {
                problem(name, "is not a URL: " + e.getReason());
                return null;
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
                problem(name, "must be an http(s) URL without query, e.g. " + otherwise);
            }
        }
        return uri;
    }

    private Secret secret(JsonNode node, String name, String field) {
        JsonNode value = node.path(name);
        if (value.isMissingNode() || value.isNull()) {
            problem(field, "is required");
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            problem(field, "must be a non-empty string");
            return null;
        }
        return new Secret(value.asText());
    }

    private JsonNode object(JsonNode node, String name) {
        JsonNode value = node.path(name);
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            problem(name, "must be an object");
            return null;
        }
        return value;
    }

    private long number(JsonNode node, String name, String field, long otherwise, long min, long max) {
        JsonNode value = node.path(name);
        if (value.isMissingNode() || value.isNull()) {
            return otherwise;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < min || value.asLong() > max) {
            problem(field, "must be an integer from " + min + " to " + max);
            return otherwise;
        }
        return value.asLong();
    }

    private Duration duration(JsonNode node, String name, String field, Duration otherwise) {
        String value = text(node, name, field, false);
        if (value == null) {
            return otherwise;
        }
        Duration duration;
        try {
            duration = Durations.parse(field, value);
        }
        catch (IllegalArgumentException e) {
            problem(field, "must be a duration such as 500ms, 10s, 5m, 24h or 7d");
            return otherwise;
        }
        if (duration.isNegative() || duration.isZero()) {
            problem(field, "must be positive");
            return otherwise;
        }
        return duration;
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
        return value.asText().strip();
    }

    private void unknownFields(JsonNode node, String prefix, List<String> known) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                problem(prefix + name, "unknown field (expected one of " + String.join(", ", known) + ")");
            }
        }
    }

    private void problem(String field, String message) {
        problems.add(new DefinitionProblem(field, message));
    }
}
