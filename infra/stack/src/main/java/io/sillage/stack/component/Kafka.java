package io.sillage.stack.component;

import io.sillage.stack.StackConfig;
import io.sillage.stack.StackException;
import io.sillage.stack.process.ManagedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;

/** A single-node Kafka broker in KRaft mode (broker and controller in one JVM), from the jars Maven fetched. */
public class Kafka extends Component {
    public static final String RAW_TOPIC = "cdp.events.raw";
    public static final String DEAD_LETTER_TOPIC = "cdp.events.dlq";
    public static final String FEEDBACK_TOPIC = "cdp.identity.feedback";
    /** Automation definitions, written by the API and read by the pipeline; compacted (latest state per automation). */
    public static final String AUTOMATIONS_TOPIC = "cdp.automations";
    /** Activation requests from fired automation instances, written transactionally by the pipeline. */
    public static final String ACTIVATIONS_TOPIC = "cdp.activations";
    /** Message templates and snippets, written by the API and read by the activation job; compacted. */
    public static final String TEMPLATES_TOPIC = "cdp.templates";
    /** Channel connectors (with their secrets), written by the API and read by the activation job; compacted. */
    public static final String CONNECTORS_TOPIC = "cdp.connectors";
    /** The activation job's own loop: messages waiting for their next attempt, written in transactions. */
    public static final String MESSAGE_RETRIES_TOPIC = "cdp.message-retries";
    /** Rejected activation requests and undeliverable messages. */
    public static final String MESSAGE_DEAD_LETTERS_TOPIC = "cdp.message-dead-letters";
    private static final Set<String> COMPACTED = Set.of(AUTOMATIONS_TOPIC, TEMPLATES_TOPIC, CONNECTORS_TOPIC);

    public Kafka(StackConfig config) {
        super(config, "kafka");
    }

    @Override
    public int port() {
        return config.kafkaPort();
    }

    @Override
    public List<Integer> ports() {
        return List.of(config.kafkaPort(), config.kafkaControllerPort());
    }

    private Path root() {
        return config.var().resolve("kafka");
    }

    @Override
    public boolean isHealthy() {
        try (Admin admin = admin()) {
            admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
            return true;
        }
        catch (Exception e) {
            return false;
        }
    }

    @Override
    protected void prepare() {
        try {
            Files.createDirectories(root().resolve("data"));
            Path properties = root().resolve("server.properties");
            Files.writeString(properties, String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@" + config.host() + ":" + config.kafkaControllerPort(),
                    "listeners=PLAINTEXT://" + config.host() + ":" + config.kafkaPort() + ",CONTROLLER://" + config.host() + ":" + config.kafkaControllerPort(),
                    "advertised.listeners=PLAINTEXT://" + config.host() + ":" + config.kafkaPort(),
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    "log.dirs=" + root().resolve("data"),
                    "num.partitions=2",
                    "offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "log.retention.hours=168",
                    "auto.create.topics.enable=false",
                    ""));
            if (!Files.exists(root().resolve("data").resolve("meta.properties"))) {
                List<String> format = new ArrayList<>(java());
                format.addAll(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", properties.toString()));
                ManagedProcess.run(format, root(), Duration.ofMinutes(2));
            }
        }
        catch (IOException e) {
            throw new StackException("Cannot prepare Kafka in " + root() + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected List<String> command() {
        List<String> command = new ArrayList<>(java());
        command.add(1, "-Xmx512m");
        command.addAll(List.of("kafka.Kafka", root().resolve("server.properties").toString()));
        return command;
    }

    private List<String> java() {
        return new ArrayList<>(List.of(javaBin(),
                "-Dlog4j2.configurationFile=" + config.conf().resolve("log4j2.properties"),
                "-cp", Artifacts.classpath(config.home(), "infra/runtime/kafka")));
    }

    @Override
    protected String hint() {
        return "if the log mentions a cluster id mismatch or corrupt log, stop the stack and remove " + root() + " (this deletes queued events)";
    }

    /** Creates the platform's topics if missing. */
    public void createTopics() {
        Map<String, Integer> wanted = Map.of(RAW_TOPIC, 4, DEAD_LETTER_TOPIC, 1, FEEDBACK_TOPIC, 4, AUTOMATIONS_TOPIC, 1, ACTIVATIONS_TOPIC, 4,
                TEMPLATES_TOPIC, 1, CONNECTORS_TOPIC, 1, MESSAGE_RETRIES_TOPIC, 2, MESSAGE_DEAD_LETTERS_TOPIC, 1);
        try (Admin admin = admin()) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = wanted.entrySet().stream()
                    .filter(entry -> !existing.contains(entry.getKey()))
                    .map(entry -> new NewTopic(entry.getKey(), entry.getValue(), (short) 1)
                            .configs(COMPACTED.contains(entry.getKey()) ? Map.of("cleanup.policy", "compact") : Map.of()))
                    .collect(Collectors.toList());
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                }
                catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
        catch (Exception e) {
            throw new StackException("Cannot create Kafka topics: " + e.getMessage(), e);
        }
    }

    public Admin admin() {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        return Admin.create(properties);
    }
}
