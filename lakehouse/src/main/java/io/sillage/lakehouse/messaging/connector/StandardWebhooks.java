package io.sillage.lakehouse.messaging.connector;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signatures of the <a href="https://www.standardwebhooks.com/">Standard Webhooks</a> spec, for the sender and
 * for a receiver. A webhook carries {@code webhook-id} (the message id: the same on a retry, so a receiver can
 * deduplicate), {@code webhook-timestamp} (Unix seconds) and {@code webhook-signature}: {@code v1,} and the base64
 * HMAC-SHA256 of {@code id.timestamp.body} with the secret's key. Secrets are {@code whsec_} and the base64 of 24
 * to 64 random bytes. Thread-safe.
 */
public final class StandardWebhooks {
    /** How far a receiver accepts a timestamp from its own clock, either way (replays are refused past it). */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);
    private static final String PREFIX = "whsec_";

    private final SecretKeySpec key;

    public StandardWebhooks(Secret secret) {
        this.key = new SecretKeySpec(key(secret), "HmacSHA256");
    }

    /**
     * The key of a {@code whsec_} secret.
     *
     * @throws IllegalArgumentException when the secret is not one (the message does not show it)
     */
    static byte[] key(Secret secret) {
        String text = secret.reveal();
        if (!text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("must start with whsec_ (whsec_ and the base64 of 24 to 64 random bytes)");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text.substring(PREFIX.length()));
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be whsec_ and base64");
        }
        if (key.length < 24 || key.length > 64) {
            throw new IllegalArgumentException("must hold 24 to 64 bytes after whsec_, got " + key.length);
        }
        return key;
    }

    /** The {@code webhook-signature} header of a webhook. */
    public String sign(String id, long timestamp, byte[] body) {
        return "v1," + Base64.getEncoder().encodeToString(hmac(id, timestamp, body));
    }

    /**
     * Checks a received webhook as a receiver must: the timestamp within {@link #TOLERANCE} of {@code now}, and one
     * of the (space-separated) {@code v1} signatures that of the id, timestamp and exact body bytes.
     *
     * @throws InvalidSignatureException saying which check failed
     */
    public void verify(String id, String timestamp, String signatures, byte[] body, Instant now) {
        if (id == null || timestamp == null || signatures == null) {
            throw new InvalidSignatureException("webhook-id, webhook-timestamp and webhook-signature are required");
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp);
        }
        catch (NumberFormatException e) {
            throw new InvalidSignatureException("webhook-timestamp is not Unix seconds");
        }
        if (Math.abs(now.getEpochSecond() - seconds) > TOLERANCE.toSeconds()) {
            throw new InvalidSignatureException("webhook-timestamp is more than " + TOLERANCE.toMinutes() + " minutes away from now");
        }
        byte[] expected = hmac(id, seconds, body);
        for (String signature : signatures.trim().split(" +")) {
            if (!signature.startsWith("v1,")) {
                continue;
            }
            byte[] given;
            try {
                given = Base64.getDecoder().decode(signature.substring(3));
            }
            catch (IllegalArgumentException e) {
                continue;
            }
            if (MessageDigest.isEqual(expected, given)) {
                return;
            }
        }
        throw new InvalidSignatureException("no v1 signature matches");
    }

    private byte[] hmac(String id, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** A webhook whose signature does not verify. */
    public static final class InvalidSignatureException extends RuntimeException {
        InvalidSignatureException(String message) {
            super(message);
        }
    }
}
