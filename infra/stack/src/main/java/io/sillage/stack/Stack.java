package io.sillage.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import io.sillage.api.db.OperationalDatabase;
import io.sillage.api.projects.PostgresProjectStore;
import io.sillage.api.projects.ProjectCredentials;
import io.sillage.lakehouse.catalog.LakehouseConfig;
import io.sillage.lakehouse.catalog.LakehouseSetup;
import io.sillage.lakehouse.maintenance.LakehouseViews;
import io.sillage.stack.component.Api;
import io.sillage.stack.component.Component;
import io.sillage.stack.component.Flink;
import io.sillage.stack.component.Kafka;
import io.sillage.stack.component.Postgres;
import io.sillage.stack.component.Trino;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * The local stack: PostgreSQL, Kafka, Trino, Flink and the API, started in dependency order, with topics,
 * tables, the operational schema and a demo project created idempotently. Re-running {@link #start} on
 * existing data keeps it.
 */
public class Stack {
    public static final String DEMO_PROJECT = "demo";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StackConfig config;
    private final Postgres postgres;
    private final Kafka kafka;
    private final Trino trino;
    private final Flink flink;
    private final Api api;

    public Stack(StackConfig config) {
        this.config = config;
        this.postgres = new Postgres(config);
        this.kafka = new Kafka(config);
        this.trino = new Trino(config, postgres);
        this.flink = new Flink(config);
        this.api = new Api(config);
    }

    public StackConfig config() {
        return config;
    }

    /** In start order. */
    public List<Component> components() {
        return List.of(postgres, kafka, trino, flink, api);
    }

    public Component component(String name) {
        return components().stream().filter(component -> component.name().equals(name)).findFirst()
                .orElseThrow(() -> new StackException("Unknown component '" + name + "': expected one of "
                        + components().stream().map(Component::name).collect(Collectors.joining(", "))));
    }

    public Postgres postgres() {
        return postgres;
    }

    public Kafka kafka() {
        return kafka;
    }

    public Trino trino() {
        return trino;
    }

    public Flink flink() {
        return flink;
    }

    public Api api() {
        return api;
    }

    public void start(Consumer<String> progress) {
        for (Component component : components()) {
            if (!component.isRunning()) {
                component.checkPortsFree();
            }
        }
        createDirectories();
        progress.accept("postgres: starting on port " + config.postgresPort());
        postgres.start();
        postgres.createDatabases();
        writeConfiguration();
        progress.accept("kafka: starting on port " + config.kafkaPort());
        kafka.start();
        kafka.createTopics();
        progress.accept("lakehouse: creating namespace cdp and tables if missing");
        List<String> created = ensureTables();
        if (!created.isEmpty()) {
            progress.accept("lakehouse: created " + String.join(", ", created));
        }
        migrateOperationalDatabase();
        progress.accept("trino: starting on port " + config.trinoPort());
        trino.start();
        ensureViews();
        progress.accept("flink: starting on port " + config.flinkPort());
        flink.start();
        progress.accept("api: starting on port " + config.apiPort());
        api.start();
    }

    public void stop(Consumer<String> progress) {
        List<Component> reversed = new java.util.ArrayList<>(components());
        java.util.Collections.reverse(reversed);
        for (Component component : reversed) {
            if (component.isRunning()) {
                progress.accept(component.name() + ": stopping");
                component.stop();
            }
        }
    }

    public Map<String, String> connectionSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("kafka.bootstrap-servers", config.kafkaBootstrap());
        settings.put("kafka.topic.raw", Kafka.RAW_TOPIC);
        settings.put("kafka.topic.dead-letters", Kafka.DEAD_LETTER_TOPIC);
        settings.put("kafka.topic.feedback", Kafka.FEEDBACK_TOPIC);
        settings.put("kafka.topic.automations", Kafka.AUTOMATIONS_TOPIC);
        settings.put("kafka.topic.activations", Kafka.ACTIVATIONS_TOPIC);
        settings.put("kafka.topic.templates", Kafka.TEMPLATES_TOPIC);
        settings.put("kafka.topic.connectors", Kafka.CONNECTORS_TOPIC);
        settings.put("kafka.topic.message-retries", Kafka.MESSAGE_RETRIES_TOPIC);
        settings.put("kafka.topic.message-dead-letters", Kafka.MESSAGE_DEAD_LETTERS_TOPIC);
        // the links of sent emails (open pixel, clicks, unsubscribe) lead to the API, signed with the stack's secret
        settings.put("messaging.tracking-url", "http://" + config.host() + ":" + config.apiPort());
        settings.put("messaging.tracking-secret", trackingSecret());
        settings.putAll(lakehouseConfig().toProperties());
        settings.put("operational.jdbc-url", postgres.jdbcUrl(Postgres.OPERATIONAL_DATABASE));
        settings.put("operational.jdbc-user", Postgres.USER);
        settings.put("operational.jdbc-password", postgres.password());
        settings.put("trino.jdbc-url", trino.jdbcUrl());
        settings.put("api.host", config.host());
        settings.put("api.port", Integer.toString(config.apiPort()));
        settings.put("flink.bind-address", config.host());
        settings.put("flink.rest-port", Integer.toString(config.flinkPort()));
        settings.put("flink.checkpoints-dir", config.var().resolve("flink").resolve("checkpoints").toString());
        settings.put("collect.checkpoint-interval", config.checkpointInterval().toSeconds() + "s");
        return settings;
    }

    /**
     * The key that signs tracking links (open pixel, clicks, unsubscribe) in sent emails: 32 random bytes, made at the
     * first start and kept in {@code var/tracking-secret}, so that links in emails already sent stay valid.
     */
    private String trackingSecret() {
        Path file = config.var().resolve("tracking-secret");
        try {
            if (!Files.exists(file)) {
                byte[] secret = new byte[32];
                new SecureRandom().nextBytes(secret);
                Files.writeString(file, HexFormat.of().formatHex(secret));
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
            return Files.readString(file).trim();
        }
        catch (IOException e) {
            throw new StackException("Cannot read or create the tracking secret " + file + ": " + e.getMessage(), e);
        }
    }

    /** Creates or replaces the Trino views (profiles, identities, profile_events). */
    public void ensureViews() {
        try (Connection connection = trino.connect("sillage")) {
            LakehouseViews.ensure(connection);
        }
        catch (SQLException e) {
            throw new StackException("Cannot create the lakehouse views through Trino: " + e.getMessage(), e);
        }
    }

    public LakehouseConfig lakehouseConfig() {
        return new LakehouseConfig(LakehouseConfig.DEFAULT_CATALOG_NAME, postgres.jdbcUrl(Postgres.CATALOG_DATABASE), Postgres.USER,
                postgres.password(), Trino.warehouseUri(config));
    }

    private void createDirectories() {
        try {
            for (Path dir : List.of(config.var(), config.logs(), config.run(), config.conf(), config.var().resolve("warehouse"),
                    config.var().resolve("flink").resolve("tmp"))) {
                Files.createDirectories(dir);
            }
        }
        catch (IOException e) {
            throw new StackException("Cannot create " + config.var() + ": " + e.getMessage() + ". Set SILLAGE_VAR to a writable directory.", e);
        }
    }

    private void writeConfiguration() {
        try {
            StringBuilder properties = new StringBuilder("# Generated by ./cdp up: connection settings of the local stack (contains a password)\n");
            connectionSettings().forEach((key, value) -> properties.append(key).append('=').append(value.replace("\\", "\\\\")).append('\n'));
            Path file = config.conf().resolve("sillage.properties");
            Files.writeString(file, properties);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(config.conf().resolve("log4j2.properties"), String.join("\n",
                    "status = warn",
                    "appender.console.type = Console",
                    "appender.console.name = console",
                    "appender.console.layout.type = PatternLayout",
                    "appender.console.layout.pattern = %d{ISO8601} %-5p [%t] %c{1.} - %m%n",
                    "rootLogger.level = INFO",
                    "rootLogger.appenderRef.console.ref = console",
                    "logger.kafka.name = org.apache.kafka",
                    "logger.kafka.level = WARN",
                    "logger.kafkaserver.name = kafka",
                    "logger.kafkaserver.level = WARN",
                    "logger.hadoop.name = org.apache.hadoop",
                    "logger.hadoop.level = WARN",
                    "logger.jetty.name = org.eclipse.jetty",
                    "logger.jetty.level = WARN",
                    ""));
        }
        catch (IOException e) {
            throw new StackException("Cannot write the configuration in " + config.conf() + ": " + e.getMessage(), e);
        }
    }

    private List<String> ensureTables() {
        try (JdbcCatalog catalog = lakehouseConfig().openCatalog()) {
            return LakehouseSetup.ensureTables(catalog);
        }
        catch (RuntimeException e) {
            throw new StackException("Cannot create the Iceberg tables: " + e.getMessage(), e);
        }
    }

    private HikariDataSource operationalDataSource() {
        return OperationalDatabase.open(postgres.jdbcUrl(Postgres.OPERATIONAL_DATABASE), Postgres.USER, postgres.password(), 2);
    }

    private void migrateOperationalDatabase() {
        try (HikariDataSource dataSource = operationalDataSource()) {
            OperationalDatabase.migrate(dataSource);
        }
    }

    public ProjectCredentials createProject(String name, String source) {
        try (HikariDataSource dataSource = operationalDataSource()) {
            return new PostgresProjectStore(dataSource).create(name, source);
        }
    }

    /** The demo project's keys: created on the first start and kept in var/demo-project.json (the API key is shown only once otherwise). */
    public ProjectCredentials demoProject() {
        Path file = config.var().resolve("demo-project.json");
        try {
            if (Files.exists(file)) {
                JsonNode node = JSON.readTree(file.toFile());
                return new ProjectCredentials(node.get("projectId").asText(), node.get("name").asText(), node.get("writeKey").asText(), node.get("apiKey").asText());
            }
            String name = DEMO_PROJECT;
            try (HikariDataSource dataSource = operationalDataSource()) {
                PostgresProjectStore store = new PostgresProjectStore(dataSource);
                for (int suffix = 2; store.findProjectIdByName(name).isPresent(); suffix++) {
                    name = DEMO_PROJECT + "-" + suffix;
                }
                ProjectCredentials credentials = store.create(name, null);
                Files.writeString(file, toJson(credentials));
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                return credentials;
            }
        }
        catch (IOException e) {
            throw new StackException("Cannot read or write " + file + ": " + e.getMessage(), e);
        }
    }

    public static String toJson(ProjectCredentials credentials) {
        ObjectNode node = JSON.createObjectNode();
        node.put("projectId", credentials.projectId());
        node.put("name", credentials.name());
        node.put("writeKey", credentials.writeKey());
        node.put("apiKey", credentials.apiKey());
        return node.toPrettyString() + "\n";
    }
}
