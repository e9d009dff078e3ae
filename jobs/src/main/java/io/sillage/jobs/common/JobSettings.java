package io.sillage.jobs.common;

import io.sillage.lakehouse.settings.Durations;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.util.ParameterTool;

/**
 * Settings of a job: an optional properties file ({@code --config sillage.properties}) overridden by
 * {@code --key value} arguments. The same keys work on a real Flink cluster and in the local stack.
 */
public final class JobSettings {
    private final Properties properties;

    private JobSettings(Properties properties) {
        this.properties = properties;
    }

    public static JobSettings fromArgs(String[] args) {
        ParameterTool parameters = ParameterTool.fromArgs(args);
        Properties properties = new Properties();
        String file = parameters.get("config");
        if (file != null) {
            try (Reader reader = Files.newBufferedReader(Path.of(file))) {
                properties.load(reader);
            }
            catch (IOException e) {
                throw new UncheckedIOException("Cannot read job configuration " + file, e);
            }
        }
        parameters.toMap().forEach((key, value) -> {
            if (!key.equals("config")) {
                properties.setProperty(key, value);
            }
        });
        return new JobSettings(properties);
    }

    public static JobSettings of(Map<String, String> values) {
        Properties properties = new Properties();
        properties.putAll(values);
        return new JobSettings(properties);
    }

    public Properties properties() {
        return properties;
    }

    public Map<String, String> asMap() {
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(key -> map.put(key, properties.getProperty(key)));
        return map;
    }

    public String get(String key, String defaultValue) {
        return properties.getProperty(key, defaultValue);
    }

    public String require(String key) {
        String value = properties.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Missing setting " + key + " (pass --" + key + " VALUE or set it in the --config file)");
        }
        return value;
    }

    public Duration duration(String key, Duration defaultValue) {
        String value = properties.getProperty(key);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        return Durations.parse(key, value);
    }
}
