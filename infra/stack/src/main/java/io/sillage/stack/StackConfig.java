package io.sillage.stack;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Where the local stack lives and which ports it uses. Defaults: loopback, API 8080, Flink UI 8081,
 * Trino 8085, Kafka 9092 (controller 9093), PostgreSQL 5433, data and logs under {@code ./var}.
 * Every value can be overridden with an environment variable ({@code SILLAGE_VAR}, {@code SILLAGE_API_PORT},
 * {@code SILLAGE_FLINK_PORT}, {@code SILLAGE_TRINO_PORT}, {@code SILLAGE_KAFKA_PORT},
 * {@code SILLAGE_KAFKA_CONTROLLER_PORT}, {@code SILLAGE_POSTGRES_PORT}, {@code SILLAGE_TRINO_JAVA_HOME},
 * {@code SILLAGE_HEALTH_TIMEOUT}, {@code SILLAGE_CHECKPOINT_SECONDS}, {@code SILLAGE_FLINK_NICE}).
 *
 * @param home the repository root (built artifacts are found from here)
 * @param var data, logs and generated configuration
 * @param flinkNice how much lower the stream processor's CPU priority is than the other components' (0 to 19):
 *     on one machine, queries and API calls then get the cores first when the pipeline saturates them
 */
public record StackConfig(
        Path home,
        Path var,
        String host,
        int apiPort,
        int flinkPort,
        int trinoPort,
        int kafkaPort,
        int kafkaControllerPort,
        int postgresPort,
        Optional<Path> trinoJavaHome,
        Duration healthTimeout,
        Duration checkpointInterval,
        int flinkNice) {

    public StackConfig {
        requireNonNull(home, "home is null");
        requireNonNull(var, "var is null");
        requireNonNull(host, "host is null");
        requireNonNull(trinoJavaHome, "trinoJavaHome is null");
        requireNonNull(healthTimeout, "healthTimeout is null");
        requireNonNull(checkpointInterval, "checkpointInterval is null");
        if (flinkNice < 0 || flinkNice > 19) {
            throw new IllegalArgumentException("flinkNice must be between 0 and 19, got " + flinkNice);
        }
        home = home.toAbsolutePath().normalize();
        var = var.toAbsolutePath().normalize();
    }

    public static StackConfig fromEnvironment(Path home, Map<String, String> env) {
        return new StackConfig(
                home,
                Path.of(env.getOrDefault("SILLAGE_VAR", home.resolve("var").toString())),
                "127.0.0.1",
                port(env, "SILLAGE_API_PORT", 8080),
                port(env, "SILLAGE_FLINK_PORT", 8081),
                port(env, "SILLAGE_TRINO_PORT", 8085),
                port(env, "SILLAGE_KAFKA_PORT", 9092),
                port(env, "SILLAGE_KAFKA_CONTROLLER_PORT", 9093),
                port(env, "SILLAGE_POSTGRES_PORT", 5433),
                Optional.ofNullable(env.get("SILLAGE_TRINO_JAVA_HOME")).map(Path::of),
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("SILLAGE_HEALTH_TIMEOUT", "180"))),
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("SILLAGE_CHECKPOINT_SECONDS", "5"))),
                niceness(env, "SILLAGE_FLINK_NICE", 5));
    }

    public StackConfig withPorts(int api, int flink, int trino, int kafka, int kafkaController, int postgres) {
        return new StackConfig(home, var, host, api, flink, trino, kafka, kafkaController, postgres, trinoJavaHome, healthTimeout, checkpointInterval, flinkNice);
    }

    public StackConfig withCheckpointInterval(Duration interval) {
        return new StackConfig(home, var, host, apiPort, flinkPort, trinoPort, kafkaPort, kafkaControllerPort, postgresPort, trinoJavaHome, healthTimeout, interval, flinkNice);
    }

    public Path logs() {
        return var.resolve("logs");
    }

    public Path run() {
        return var.resolve("run");
    }

    public Path conf() {
        return var.resolve("conf");
    }

    public String apiUrl() {
        return "http://" + host + ":" + apiPort;
    }

    public String trinoUrl() {
        return "http://" + host + ":" + trinoPort;
    }

    public String flinkUrl() {
        return "http://" + host + ":" + flinkPort;
    }

    public String kafkaBootstrap() {
        return host + ":" + kafkaPort;
    }

    private static int port(Map<String, String> env, String key, int defaultPort) {
        return intSetting(env, key, defaultPort, 1, 65535, "a port number (1-65535)");
    }

    private static int niceness(Map<String, String> env, String key, int defaultValue) {
        return intSetting(env, key, defaultValue, 0, 19, "a niceness (0, the same priority as the other components, to 19, the lowest)");
    }

    private static int intSetting(Map<String, String> env, String key, int defaultValue, int min, int max, String expected) {
        String value = env.get(key);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        }
        catch (NumberFormatException e) {
            // reported below, with what was expected
        }
        throw new StackException(key + "=" + value + " is not " + expected);
    }
}
