package io.sillage.api;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;

/**
 * Configuration of the API server, from a properties file shared with the jobs ({@code sillage.properties}).
 *
 * <p>Keys: {@code api.host} (127.0.0.1), {@code api.port} (8080), {@code api.max-events-in-flight} (50000),
 * {@code kafka.bootstrap-servers}, {@code kafka.topic.raw} (cdp.events.raw), {@code operational.jdbc-url},
 * {@code operational.jdbc-user}, {@code operational.jdbc-password}.
 */
public record ApiConfig(
        String host,
        int port,
        int maxEventsInFlight,
        String kafkaBootstrapServers,
        String rawTopic,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        Optional<String> trinoJdbcUrl,
        Properties properties) {

    public static ApiConfig load(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        return from(properties);
    }

    public static ApiConfig from(Properties p) {
        return new ApiConfig(
                p.getProperty("api.host", "127.0.0.1"),
                Integer.parseInt(p.getProperty("api.port", "8080")),
                Integer.parseInt(p.getProperty("api.max-events-in-flight", "50000")),
                require(p, "kafka.bootstrap-servers"),
                p.getProperty("kafka.topic.raw", "cdp.events.raw"),
                require(p, "operational.jdbc-url"),
                require(p, "operational.jdbc-user"),
                p.getProperty("operational.jdbc-password", ""),
                Optional.ofNullable(p.getProperty("trino.jdbc-url")).filter(url -> !url.isBlank()),
                p);
    }

    /** A duration setting written {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h} or {@code 0}. */
    public static Duration duration(Properties properties, String key, Duration defaultValue) {
        String text = properties.getProperty(key);
        if (text == null || text.isBlank()) {
            return defaultValue;
        }
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?").matcher(text.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("Invalid duration for " + key + ": '" + text + "' (write e.g. 500ms, 10s, 5m, 1h)");
        }
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

    private static String require(Properties properties, String key) {
        String value = properties.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Missing configuration key " + key);
        }
        return value;
    }
}
