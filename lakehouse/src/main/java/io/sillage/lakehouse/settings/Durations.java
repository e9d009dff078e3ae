package io.sillage.lakehouse.settings;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations in settings files, read the same way by the jobs, the API and the stack. */
public final class Durations {
    private static final Pattern SHORT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

    private Durations() {}

    /**
     * {@code 500ms}, {@code 10s}, {@code 5m}, {@code 24h}, {@code 365d}, a bare number of seconds, or ISO-8601
     * ({@code PT24H}, {@code P365D}).
     *
     * @param key the setting, named in the error
     */
    public static Duration parse(String key, String text) {
        String value = text.strip();
        Matcher matcher = SHORT.matcher(value.toLowerCase(Locale.ROOT));
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            String unit = matcher.group(2) == null ? "s" : matcher.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                case "d" -> Duration.ofDays(amount);
                default -> Duration.ofSeconds(amount);
            };
        }
        try {
            return Duration.parse(value);
        }
        catch (RuntimeException e) {
            throw new IllegalArgumentException("Invalid duration for " + key + ": '" + text + "' (write e.g. 500ms, 10s, 5m, 24h, 365d or ISO-8601 like PT24H)");
        }
    }
}
