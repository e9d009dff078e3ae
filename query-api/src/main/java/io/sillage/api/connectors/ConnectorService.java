package io.sillage.api.connectors;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.api.messaging.MessagingPublisher;
import io.sillage.lakehouse.automation.DefinitionProblem;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.messaging.Template;
import io.sillage.lakehouse.messaging.connector.ConnectorConfig;
import io.sillage.lakehouse.messaging.connector.ConnectorConfigs;
import io.sillage.lakehouse.messaging.connector.DeliveryResult;
import io.sillage.lakehouse.messaging.connector.OutboundMessage;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The channel connectors of each project: validated, stored, published to the activation job before they are
 * stored (like templates), and shown with their secrets masked. Also sends one message through a project's
 * connector, for a template's test send.
 */
public class ConnectorService {
    /** The connector channels, and the template channel each sends. */
    public static final Map<String, Template.Channel> CHANNELS = ConnectorConfigs.CHANNELS;

    private final ConnectorStore store;
    private final MessagingPublisher publisher;
    private final Clock clock;

    public ConnectorService(ConnectorStore store, MessagingPublisher publisher, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.publisher = requireNonNull(publisher, "publisher is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * Creates or replaces the project's connector for a channel, from {@code {"config": {...}, "url": "..."}} (the
     * URL only for webhooks: where messages are posted).
     *
     * @throws InvalidDefinitionException naming every problem (fields {@code config.*}, {@code url})
     * @throws io.sillage.api.kafka.PublishException when Kafka did not take it (nothing is stored)
     */
    public Connector put(String projectId, String channel, ObjectNode body) {
        List<DefinitionProblem> problems = new ArrayList<>();
        Template.Channel sends = CHANNELS.get(channel);
        JsonNode config = body.get("config");
        if (config == null || !config.isObject()) {
            problems.add(new DefinitionProblem("config", "is required: the connector configuration, e.g. {\"type\": \"smtp\", \"host\": ...}"));
        }
        else {
            try {
                ConnectorConfig parsed = ConnectorConfigs.parse(config);
                if (parsed.channel() != sends) {
                    problems.add(new DefinitionProblem("config.type", "a " + config.path("type").asText() + " connector cannot send channel " + channel
                            + " (email: smtp or sparkpost; sms: twilio; web_push: webpush; webhook: webhook)"));
                }
            }
            catch (InvalidDefinitionException e) {
                e.problems().forEach(problem -> problems.add(new DefinitionProblem(
                        problem.field().equals("$") ? "config" : "config." + problem.field(), problem.message())));
            }
        }
        JsonNode url = body.get("url");
        String urlText = url == null || url.isNull() ? null : url.asText();
        if (sends == Template.Channel.WEBHOOK && !ConnectorConfigs.isHttpUrl(urlText)) {
            problems.add(new DefinitionProblem("url", "is required for a webhook connector: the http(s) URL messages are posted to"));
        }
        if (sends != Template.Channel.WEBHOOK && urlText != null) {
            problems.add(new DefinitionProblem("url", "only a webhook connector has a URL"));
        }
        body.fieldNames().forEachRemaining(field -> {
            if (!field.equals("config") && !field.equals("url")) {
                problems.add(new DefinitionProblem(field, "is not a connector field (config, url)"));
            }
        });
        if (!problems.isEmpty()) {
            throw new InvalidDefinitionException(problems);
        }
        return store.put(projectId, channel, new ConnectorStore.ConnectorSettings(((ObjectNode) config).deepCopy(), urlText), now(), publisher::connector);
    }

    public Optional<Connector> get(String projectId, String channel) {
        return store.find(projectId, channel);
    }

    public List<Connector> list(String projectId) {
        return store.list(projectId);
    }

    /** False when the project has no connector for the channel; the activation job then fails the channel's messages with no_connector. */
    public boolean delete(String projectId, String channel) {
        return store.delete(projectId, channel, now(), publisher::connector).isPresent();
    }

    /** Publishes every live connector again (see {@code TemplateService.republishAll}). */
    public int republishAll() {
        List<Connector> connectors = store.all();
        connectors.forEach(publisher::connector);
        return connectors.size();
    }

    /**
     * Sends one message through the project's connector for the template's channel, once, now: no consent, capping
     * or send log applies (a test send goes to the address given).
     *
     * @return empty when the project has no connector for the channel
     */
    public Optional<DeliveryResult> sendNow(String projectId, OutboundMessage message) {
        String channel = channelOf(message.channel());
        Optional<Connector> connector = store.find(projectId, channel);
        if (connector.isEmpty()) {
            return Optional.empty();
        }
        try (io.sillage.lakehouse.messaging.connector.Connector open = ConnectorConfigs.parse(connector.get().config()).open()) {
            return Optional.of(open.send(message));
        }
        catch (Exception e) {
            return Optional.of(new DeliveryResult.TemporaryFailure("the connector could not be used: " + e.getClass().getSimpleName(), null));
        }
    }

    /** The connector channel that sends a template channel. */
    public static String channelOf(Template.Channel channel) {
        return CHANNELS.entrySet().stream().filter(entry -> entry.getValue() == channel).map(Map.Entry::getKey).findFirst().orElseThrow();
    }

    /** The connector as the API shows it: every secret masked. */
    public static ObjectNode view(Connector connector) {
        ObjectNode json = SegmentEvents.mapper().createObjectNode();
        json.put("channel", connector.channel());
        json.put("version", connector.version());
        json.set("config", ConnectorConfigs.redacted(connector.config()));
        if (connector.url() != null) {
            json.put("url", connector.url());
        }
        json.put("updatedAt", connector.updatedAt().toString());
        return json;
    }


    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
