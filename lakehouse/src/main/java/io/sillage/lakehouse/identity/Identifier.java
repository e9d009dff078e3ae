package io.sillage.lakehouse.identity;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * A typed, normalized identifier of a person: {@code email:jane@example.com}, {@code user_id:42},
 * {@code anonymous_id:abc}, {@code phone:+33612345678} or a custom type a project declares.
 * Values are normalized before an identifier is built (see {@link IdentifierNormalizer}).
 */
public record Identifier(String type, String value) {
    public Identifier {
        requireNonNull(type, "type is null");
        requireNonNull(value, "value is null");
        if (!isType(type)) {
            throw new IllegalArgumentException("Invalid identifier type '" + type + "': use lower-case letters, digits and '_', starting with a letter (at most 40)");
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException("Invalid identifier: empty value for type " + type);
        }
    }

    /**
     * Parses {@code type:value} as written in API paths ({@code /api/v1/profiles/email:jane@example.com}).
     * Only the first colon separates: {@code user_id:a:b} has the value {@code a:b}.
     *
     * @return the problem, or empty when well-formed (see {@link #parse})
     */
    public static Optional<String> problemWith(String text) {
        if (text == null || text.isBlank()) {
            return Optional.of("an identifier is written type:value, e.g. email:jane@example.com");
        }
        int colon = text.indexOf(':');
        if (colon <= 0) {
            return Optional.of("'" + abbreviate(text) + "' has no type: write type:value, e.g. email:jane@example.com or user_id:42");
        }
        if (colon == text.length() - 1) {
            return Optional.of("'" + abbreviate(text) + "' has an empty value");
        }
        String type = text.substring(0, colon);
        if (!isType(type)) {
            return Optional.of("'" + abbreviate(type) + "' is not an identifier type: use lower-case letters, digits and '_' (e.g. email, phone, user_id, anonymous_id)");
        }
        return Optional.empty();
    }

    /** Parses {@code type:value} without normalizing the value. */
    public static Identifier parse(String text) {
        problemWith(text).ifPresent(problem -> {
            throw new IllegalArgumentException("Invalid identifier: " + problem);
        });
        int colon = text.indexOf(':');
        return new Identifier(text.substring(0, colon), text.substring(colon + 1));
    }

    /** Lower-case letters, digits and '_', starting with a letter, at most 40 (built for every identifier of every event: no regex). */
    static boolean isType(String type) {
        int length = type.length();
        if (length == 0 || length > 40 || type.charAt(0) < 'a' || type.charAt(0) > 'z') {
            return false;
        }
        for (int i = 1; i < length; i++) {
            char c = type.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return type + ':' + value;
    }

    private static String abbreviate(String value) {
        return value.length() <= 60 ? value : value.substring(0, 60) + "...";
    }
}
