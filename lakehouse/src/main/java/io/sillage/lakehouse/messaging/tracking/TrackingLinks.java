package io.sillage.lakehouse.messaging.tracking;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed tracking URLs of messages: the open pixel {@code {base}/t/o/{token}}, click redirects
 * {@code {base}/t/c/{token}?u=<target>&s=<signature>} and the unsubscribe page {@code {base}/t/u/{token}}.
 *
 * <p>The token is {@code <payload>.<mac>}, both base64url without padding: the payload is the
 * {@link TrackedMessage}'s ids (version {@code 1}, then project, message, profile, channel, source type and source
 * id, separated by U+001F), the mac an HMAC-SHA256 of {@code "t1." + payload} under the secret. A click's
 * signature is an HMAC-SHA256 of {@code "c1." + token + "." + target}, so a click URL redirects only to the target
 * it was made for (no open redirect), and neither MAC can stand in for the other. MACs are compared in constant time.
 * The token holds ids only, never an address; it does not expire (an unsubscribe link must keep working).
 *
 * <p>Thread-safe; {@code toString} does not show the secret.
 */
public final class TrackingLinks {
    /** The fewest bytes (UTF-8) of secret accepted. */
    public static final int MIN_SECRET_BYTES = 32;
    /** Longer tokens are refused before any work. */
    private static final int MAX_TOKEN_LENGTH = 2048;
    private static final int MAX_FIELD_LENGTH = 256;
    private static final char SEPARATOR = '\u001f';
    private static final String VERSION = "1";
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder BASE64URL_DECODER = Base64.getUrlDecoder();

    private final String base;
    private final byte[] key;
    /** A keyed HMAC per thread: looking the algorithm up and keying it costs more than the MAC of a short URL. */
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

    /**
     * @param baseUrl where the API's {@code /t/...} routes are reachable from the recipients' mail clients:
     *                {@code http(s)://host[:port][/path]}, without query or fragment (a trailing slash is dropped)
     * @param secret  at least {@value #MIN_SECRET_BYTES} bytes of text; the API verifies with the same secret
     */
    public TrackingLinks(String baseUrl, String secret) {
        requireNonNull(baseUrl, "baseUrl is null");
        requireNonNull(secret, "secret is null");
        this.base = checkBase(baseUrl.strip());
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the tracking secret must be at least " + MIN_SECRET_BYTES + " bytes, got " + bytes.length);
        }
        this.key = bytes;
        newMac(); // fails now rather than at the first message if the JVM lacks HmacSHA256
    }

    private static String checkBase(String baseUrl) {
        URI uri;
        try {
            uri = new URI(baseUrl);
        }
        catch (URISyntaxException e) {
            throw new IllegalArgumentException("the tracking URL is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("the tracking URL must be http(s)://host[:port][/path] without query or fragment, got '" + baseUrl + "'");
        }
        return baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /** The base URL, without a trailing slash. */
    public String baseUrl() {
        return base;
    }

    /** Whether links are https (then emails may offer RFC 8058 one-click unsubscribe). */
    public boolean https() {
        return base.regionMatches(true, 0, "https:", 0, 6);
    }

    /** The URLs of one message. */
    public Links forMessage(TrackedMessage message) {
        return new Links(token(message));
    }

    /** The signed token of a message. */
    public String token(TrackedMessage message) {
        String payload = String.join(String.valueOf(SEPARATOR), List.of(VERSION, field("projectId", message.projectId()),
                field("messageId", message.messageId()), field("profileId", message.profileId()), field("channel", message.channel()),
                field("sourceType", message.sourceType()), field("sourceId", message.sourceId())));
        String encoded = BASE64URL.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        return encoded + '.' + BASE64URL.encodeToString(tokenMac(encoded));
    }

    private static String field(String name, String value) {
        if (value.length() > MAX_FIELD_LENGTH || value.indexOf(SEPARATOR) >= 0) {
            throw new IllegalArgumentException(name + " cannot go in a tracking token: over " + MAX_FIELD_LENGTH + " characters or holding U+001F");
        }
        return value;
    }

    /** Checks a token: the message it names, or why it is refused. */
    public Verification verify(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return new Verification.Rejected("malformed token");
        }
        int dot = token.indexOf('.');
        if (dot <= 0 || dot == token.length() - 1 || dot != token.lastIndexOf('.')) {
            return new Verification.Rejected("malformed token");
        }
        String payload = token.substring(0, dot);
        byte[] given;
        byte[] decoded;
        try {
            given = BASE64URL_DECODER.decode(token.substring(dot + 1));
            decoded = BASE64URL_DECODER.decode(payload);
        }
        catch (IllegalArgumentException e) {
            return new Verification.Rejected("malformed token");
        }
        if (!MessageDigest.isEqual(tokenMac(payload), given)) {
            return new Verification.Rejected("bad token signature");
        }
        String[] fields = new String(decoded, StandardCharsets.UTF_8).split(String.valueOf(SEPARATOR), -1);
        if (!VERSION.equals(fields[0])) {
            return new Verification.Rejected("unsupported token version");
        }
        if (fields.length != 7) {
            return new Verification.Rejected("malformed token");
        }
        return new Verification.Verified(new TrackedMessage(fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]));
    }

    /** Checks a click URL's token, target and signature: the message, or why it is refused. */
    public Verification verifyClick(String token, String target, String signature) {
        Verification verification = verify(token);
        if (!(verification instanceof Verification.Verified)) {
            return verification;
        }
        if (target == null || target.isEmpty()) {
            return new Verification.Rejected("the click URL has no target (u)");
        }
        if (!trackable(target)) {
            return new Verification.Rejected("the click target is not an http(s) URL");
        }
        byte[] given;
        try {
            given = signature == null ? new byte[0] : BASE64URL_DECODER.decode(signature);
        }
        catch (IllegalArgumentException e) {
            return new Verification.Rejected("bad click signature");
        }
        if (!MessageDigest.isEqual(clickMac(token, target), given)) {
            return new Verification.Rejected("bad click signature");
        }
        return verification;
    }

    /**
     * Whether a link target can be tracked (and later redirected to): an absolute {@code http:} or {@code https:}
     * URL with a host and no whitespace or control characters.
     */
    public static boolean trackable(String target) {
        if (target == null || target.length() > 8192) {
            return false;
        }
        boolean http = target.regionMatches(true, 0, "http://", 0, 7) || target.regionMatches(true, 0, "https://", 0, 8);
        if (!http) {
            return false;
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c == 0x7f) {
                return false;
            }
        }
        int hostStart = target.indexOf("//") + 2;
        return hostStart < target.length() && "/?#".indexOf(target.charAt(hostStart)) < 0;
    }

    private byte[] tokenMac(String payload) {
        return mac().doFinal(("t1." + payload).getBytes(StandardCharsets.UTF_8));
    }

    private byte[] clickMac(String token, String target) {
        return mac().doFinal(("c1." + token + '.' + target).getBytes(StandardCharsets.UTF_8));
    }

    /** The thread's HMAC, reset by {@code doFinal} after each use. */
    private Mac mac() {
        return macs.get();
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        }
        catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "TrackingLinks[" + base + ", secret ********]";
    }

    /** The tracking URLs of one message. */
    public final class Links {
        private final String token;

        private Links(String token) {
            this.token = token;
        }

        public String token() {
            return token;
        }

        /** The open pixel: {@code {base}/t/o/{token}}. */
        public String openUrl() {
            return base + "/t/o/" + token;
        }

        /** The unsubscribe page, and the RFC 8058 one-click POST target: {@code {base}/t/u/{token}}. */
        public String unsubscribeUrl() {
            return base + "/t/u/" + token;
        }

        /**
         * The click redirect to {@code target}: {@code {base}/t/c/{token}?u=<target>&s=<signature>}.
         *
         * @throws IllegalArgumentException when the target is not {@link #trackable}
         */
        public String clickUrl(String target) {
            if (!trackable(target)) {
                throw new IllegalArgumentException("only absolute http(s) URLs without whitespace are tracked");
            }
            return base + "/t/c/" + token + "?u=" + URLEncoder.encode(target, StandardCharsets.UTF_8)
                    + "&s=" + BASE64URL.encodeToString(clickMac(token, target));
        }
    }

    /** The outcome of checking a token or a click URL. */
    public sealed interface Verification {
        /** The token (and the click's target) is genuine: it names this message. */
        record Verified(TrackedMessage message) implements Verification {}

        /** Refused, with a reason fit for the person who followed the link (it quotes nothing of the token). */
        record Rejected(String reason) implements Verification {}
    }
}
