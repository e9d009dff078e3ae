package io.sillage.jobs.profile;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Profile ids: UUIDs in the version 7 layout, built deterministically from the creating event's time and the
 * identifier that created the profile.
 *
 * <p>The first 48 bits are the event time in milliseconds, so comparing two ids as strings compares creation
 * times (ties broken by the hash of project and identifier). The survivor of a merge is the smaller id: the
 * earliest created profile. Replaying the same events creates the same ids.
 */
public final class ProfileIds {
    private ProfileIds() {}

    public static String create(String projectId, String identifier, long eventTimeMicros) {
        long millis = Math.max(0, Math.min(eventTimeMicros / 1000, 0xFFFF_FFFF_FFFFL));
        byte[] hash = sha256(projectId + '\u0000' + identifier);
        long hashHigh = 0;
        long hashLow = 0;
        for (int i = 0; i < 8; i++) {
            hashHigh = (hashHigh << 8) | (hash[i] & 0xFF);
            hashLow = (hashLow << 8) | (hash[8 + i] & 0xFF);
        }
        long mostSignificant = (millis << 16) | 0x7000L | (hashHigh & 0x0FFFL);
        long leastSignificant = (hashLow & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(mostSignificant, leastSignificant).toString();
    }

    /** True when {@code a} was created before {@code b} (it survives a merge of the two). */
    public static boolean precedes(String a, String b) {
        return a.compareTo(b) < 0;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
