package io.sillage.api;

import io.sillage.lakehouse.settings.Durations;
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
 * {@code kafka.bootstrap-servers}, {@code kafka.topic.raw} (cdp.events.raw), {@code kafka.topic.automations}
 * (cdp.automations, compacted: the latest state of every automation), {@code operational.jdbc-url},
 * {@code operational.jdbc-user}, {@code operational.jdbc-password}; optional {@code messaging.tracking-url} and
 * {@code messaging.tracking-secret} (both or neither, the activation job's: they enable the {@code /t/...} routes).
 */
public record ApiConfig(
        String host,
        int port,
        int maxEventsInFlight,
        String kafkaBootstrapServers,
        String rawTopic,
        String automationsTopic,
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
                p.getProperty("kafka.topic.automations", "cdp.automations"),
                require(p, "operational.jdbc-url"),
                require(p, "operational.jdbc-user"),
                p.getProperty("operational.jdbc-password", ""),
                Optional.ofNullable(p.getProperty("trino.jdbc-url")).filter(url -> !url.isBlank()),
                p);
    }

    /** A duration setting (see {@link Durations#parse}). */
    public static Duration duration(Properties properties, String key, Duration defaultValue) {
        String text = properties.getProperty(key);
        return text == null || text.isBlank() ? defaultValue : Durations.parse(key, text);
    }

    /** A number setting that must be 0 or more, such as {@code maintenance.profile-fold-pause} (a ratio). */
    public static double nonNegative(Properties properties, String key, double defaultValue) {
        String text = properties.getProperty(key, "").strip();
        if (text.isEmpty()) {
            return defaultValue;
        }
        try {
            double value = Double.parseDouble(text);
            if (value >= 0) {
                return value;
            }
        }
        catch (NumberFormatException e) {
            // reported below, with the key
        }
        throw new IllegalArgumentException(key + " must be a number, 0 or more, got '" + text + "'");
    }

    private static String require(Properties properties, String key) {
        String value = properties.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Missing configuration key " + key);
        }
        return value;
    }
}
