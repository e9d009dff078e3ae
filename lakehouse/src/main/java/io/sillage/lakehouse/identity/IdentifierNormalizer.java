package io.sillage.lakehouse.identity;

import static java.util.Objects.requireNonNull;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Normalizes identifier values before matching, and refuses values that must never link two people:
 * emails are trimmed and lower-cased, phones become E.164 (libphonenumber, with the project's default
 * region), other values are trimmed. Blocked: empty, "null", "undefined", "anonymous", "0", "-1",
 * all zeros, plus the project's own list and pattern.
 */
public final class IdentifierNormalizer {
    private static final Set<String> BUILT_IN_BLOCKED = Set.of("null", "undefined", "anonymous", "none", "nil", "-1", "unknown", "n/a");
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

    private final IdentityRules rules;

    public IdentifierNormalizer(IdentityRules rules) {
        this.rules = requireNonNull(rules, "rules is null");
    }

    /** The normalized identifier, or empty when the value is blocked, malformed or its type undeclared. */
    public Optional<Identifier> normalize(String type, String rawValue) {
        if (rawValue == null || !rules.declares(type)) {
            return Optional.empty();
        }
        String trimmed = rawValue.strip();
        Optional<String> value = switch (type) {
            case IdentityRules.EMAIL -> email(trimmed);
            case IdentityRules.PHONE -> phone(trimmed);
            default -> Optional.of(trimmed);
        };
        return value.filter(candidate -> !isBlocked(candidate)).map(candidate -> new Identifier(type, candidate));
    }

    public boolean isBlocked(String value) {
        if (value.isEmpty() || BUILT_IN_BLOCKED.contains(value.toLowerCase(Locale.ROOT)) || allZeros(value)) {
            return true;
        }
        if (rules.blockedValues().stream().anyMatch(blocked -> blocked.equalsIgnoreCase(value))) {
            return true;
        }
        return rules.blockedPattern().map(pattern -> pattern.matcher(value).matches()).orElse(false);
    }

    private static Optional<String> email(String value) {
        String lower = value.toLowerCase(Locale.ROOT);
        int at = lower.indexOf('@');
        if (at <= 0 || at != lower.lastIndexOf('@') || at == lower.length() - 1 || lower.chars().anyMatch(Character::isWhitespace)) {
            return Optional.empty();
        }
        return Optional.of(lower);
    }

    private Optional<String> phone(String value) {
        try {
            PhoneNumber number = PHONES.parse(value, rules.defaultPhoneRegion());
            if (!PHONES.isValidNumber(number)) {
                return Optional.empty();
            }
            return Optional.of(PHONES.format(number, PhoneNumberUtil.PhoneNumberFormat.E164));
        }
        catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /** "0", "000-000", "00000000-0000-0000-0000-000000000000": placeholder ids that SDKs send by mistake. */
    private static boolean allZeros(String value) {
        boolean sawZero = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '0') {
                sawZero = true;
            }
            else if (c != '-' && c != ' ' && c != '.' && c != ':') {
                return false;
            }
        }
        return sawZero;
    }
}
