package io.sillage.lakehouse.messaging.connector;

import static java.util.Objects.requireNonNull;

import io.sillage.lakehouse.messaging.Rendering;
import io.sillage.lakehouse.messaging.Template;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One message to deliver through a {@link Connector}: a rendered template for one destination.
 *
 * @param messageId  the message's id, also the idempotency key given to providers that take one and the left
 *                   part of an email's {@code Message-ID}: 1 to 128 letters, digits, {@code _}, {@code -}, and
 *                   single dots inside
 * @param projectId  the project the message belongs to
 * @param destination where to: an email address, an E.164 phone number, a push subscription (its JSON:
 *                   {@code {"endpoint": ..., "keys": {"p256dh": ..., "auth": ...}}}), or a webhook URL. A
 *                   connector checks it and answers a {@link DeliveryResult.PermanentFailure} when it is not one
 * @param rendered   the rendered template ({@link io.sillage.lakehouse.messaging.CompiledTemplate#render})
 * @param headers    extra email headers, such as {@link #unsubscribeHeaders}; other channels ignore them
 * @param metadata   ids a provider keeps with the message and echoes back in its events (SparkPost {@code metadata},
 *                   beside {@code message_id} and {@code project_id}), such as {@code profile_id}: never personal
 *                   data; providers without metadata ignore them
 */
public record OutboundMessage(String messageId, String projectId, String destination, Rendering.Rendered rendered, Map<String, String> headers,
        Map<String, String> metadata) {
    private static final Pattern MESSAGE_ID = Pattern.compile("(?=.{1,128}$)[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
    private static final Pattern HEADER_NAME = Pattern.compile("[!-9;-~]+");
    /** Headers a connector writes itself. */
    private static final List<String> RESERVED = List.of("from", "to", "cc", "bcc", "reply-to", "subject", "message-id", "date",
            "mime-version", "content-type", "content-transfer-encoding", "dkim-signature", "return-path");

    public OutboundMessage {
        requireNonNull(messageId, "messageId is null");
        requireNonNull(projectId, "projectId is null");
        requireNonNull(destination, "destination is null");
        requireNonNull(rendered, "rendered is null");
        if (!MESSAGE_ID.matcher(messageId).matches()) {
            throw new IllegalArgumentException("messageId must be 1 to 128 letters, digits, '_', '-' and single dots inside, got '" + messageId + "'");
        }
        headers = Map.copyOf(headers);
        metadata = Map.copyOf(metadata);
        headers.forEach((name, value) -> {
            if (!HEADER_NAME.matcher(name).matches() || RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("'" + name + "' cannot be an extra header");
            }
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("the value of header " + name + " has a line break");
            }
        });
    }

    /** A message without metadata. */
    public OutboundMessage(String messageId, String projectId, String destination, Rendering.Rendered rendered, Map<String, String> headers) {
        this(messageId, projectId, destination, rendered, headers, Map.of());
    }

    public Template.Channel channel() {
        return rendered.message().channel();
    }

    /** The rendered texts, in the shape of the template ({@code content().email().subject()}, ...). */
    public Template content() {
        return rendered.message();
    }

    /**
     * {@code List-Unsubscribe} with a {@code mailto:} address and/or an {@code http(s):} URL, and, when the URL is
     * https, {@code List-Unsubscribe-Post: List-Unsubscribe=One-Click} (RFC 8058: a mailbox provider then
     * unsubscribes with a POST to the URL, without a confirmation page; RFC 8058 requires https for it).
     *
     * @param mailto a {@code mailto:} URI, or null
     * @param url    an {@code http:} or {@code https:} URI that unsubscribes (a page, and on POST at once), or null
     */
    public static Map<String, String> unsubscribeHeaders(URI mailto, URI url) {
        if (mailto == null && url == null) {
            throw new IllegalArgumentException("give a mailto: address, an http(s): URL or both");
        }
        if (mailto != null && !"mailto".equalsIgnoreCase(mailto.getScheme())) {
            throw new IllegalArgumentException("not a mailto: URI: " + mailto);
        }
        boolean https = url != null && "https".equalsIgnoreCase(url.getScheme());
        if (url != null && !https && !"http".equalsIgnoreCase(url.getScheme())) {
            throw new IllegalArgumentException("the unsubscribe URL must be http: or https:, got " + url);
        }
        List<String> uris = new ArrayList<>(2);
        if (mailto != null) {
            uris.add("<" + mailto.toASCIIString() + ">");
        }
        if (url != null) {
            uris.add("<" + url.toASCIIString() + ">");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("List-Unsubscribe", String.join(", ", uris));
        if (https) {
            headers.put("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
        return headers;
    }
}
