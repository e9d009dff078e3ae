package io.sillage.jobs.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.messaging.CompiledTemplate;
import io.sillage.lakehouse.messaging.Snippets;
import io.sillage.lakehouse.messaging.Template;
import io.sillage.lakehouse.messaging.Templates;
import io.sillage.lakehouse.messaging.connector.ConnectorConfig;
import io.sillage.lakehouse.messaging.connector.ConnectorConfigs;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The templates, snippets and connectors an operator knows, rebuilt from broadcast state: each parsed (templates
 * compiled) on first use, then kept. Operators keep one of these in a transient field and drop it when an update
 * arrives. A record that does not validate counts as absent (and is logged once, without its content).
 */
final class MessagingConfig {
    private static final Logger LOG = LoggerFactory.getLogger(MessagingConfig.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Broadcast state: every template, snippet and connector's latest update, keyed by {@link MessagingUpdate#key()}. */
    static final MapStateDescriptor<String, MessagingUpdate> STATE =
            new MapStateDescriptor<>("messaging-config", Types.STRING, TypeInformation.of(MessagingUpdate.class));

    /** A template, by its id ({@code tpl_...}), compiled. */
    record TemplateEntry(String id, Template template, CompiledTemplate compiled) {}

    /** A connector for a channel: its configuration JSON and version, and for webhooks the URL posted to. */
    record ConnectorEntry(String config, int version, String url) {}

    private final Map<String, MessagingUpdate> updates = new HashMap<>();
    private final Map<String, Map<String, String>> snippetSources = new HashMap<>();
    private final Map<String, Optional<TemplateEntry>> templates = new HashMap<>();
    private final Map<String, Snippets> snippets = new HashMap<>();
    /** project/name -> template id; null when two live templates had the name (the API refuses that). */
    private final Map<String, String> templateNames = new HashMap<>();
    private final Map<String, Optional<ConnectorEntry>> connectors = new HashMap<>();

    MessagingConfig(Iterable<Map.Entry<String, MessagingUpdate>> entries) {
        for (Map.Entry<String, MessagingUpdate> entry : entries) {
            MessagingUpdate update = entry.getValue();
            if (update.deleted()) {
                continue;
            }
            updates.put(entry.getKey(), update);
            if (MessagingUpdate.SNIPPET.equals(update.kind)) {
                snippetSources.computeIfAbsent(update.projectId, project -> new HashMap<>()).put(update.id, update.content);
            }
            if (MessagingUpdate.TEMPLATE.equals(update.kind)) {
                String name = name(update.content);
                if (name != null) {
                    String nameKey = update.projectId + '/' + name;
                    templateNames.put(nameKey, templateNames.containsKey(nameKey) ? null : update.id);
                }
            }
        }
    }

    /**
     * The template an automation's {@code action.template} names: by id ({@code tpl_...}), else by name among the
     * project's live templates. Null when there is none, or it is deleted or does not validate.
     */
    TemplateEntry template(String projectId, String reference) {
        String templateId = updates.containsKey(MessagingUpdate.key(MessagingUpdate.TEMPLATE, projectId, reference))
                ? reference : templateNames.get(projectId + '/' + reference);
        if (templateId == null) {
            return null;
        }
        String key = MessagingUpdate.key(MessagingUpdate.TEMPLATE, projectId, templateId);
        return templates.computeIfAbsent(key, ignored -> {
            MessagingUpdate update = updates.get(key);
            try {
                Template template = Templates.parse(JSON.readTree(update.content), Math.max(1, update.version));
                return Optional.of(new TemplateEntry(templateId, template, CompiledTemplate.compile(template)));
            }
            catch (Exception e) {
                LOG.warn("Template {} of project {} (version {}) does not validate: messages using it fail", templateId, projectId, update.version);
                return Optional.empty();
            }
        }).orElse(null);
    }

    private static String name(String definition) {
        try {
            JsonNode name = JSON.readTree(definition).get("name");
            return name != null && name.isTextual() ? name.textValue() : null;
        }
        catch (Exception e) {
            return null;
        }
    }

    /** The project's snippets, compiled. */
    Snippets snippets(String projectId) {
        return snippets.computeIfAbsent(projectId, project -> Snippets.of(snippetSources.getOrDefault(project, Map.of())));
    }

    /** The connector of the project for a request channel, or null when there is none that validates for it. */
    ConnectorEntry connector(String projectId, String channel) {
        String key = MessagingUpdate.key(MessagingUpdate.CONNECTOR, projectId, channel);
        return connectors.computeIfAbsent(key, ignored -> {
            MessagingUpdate update = updates.get(key);
            if (update == null) {
                return Optional.empty();
            }
            String problem = problem(update);
            if (problem != null) {
                LOG.warn("Connector for {} of project {} (version {}) is not usable: {}", channel, projectId, update.version, problem);
                return Optional.empty();
            }
            return Optional.of(new ConnectorEntry(update.content, update.version, update.url));
        }).orElse(null);
    }

    /** Why a connector record cannot serve its channel, or null. Never quotes the configuration (it has secrets). */
    private static String problem(MessagingUpdate update) {
        ConnectorConfig config;
        try {
            config = ConnectorConfigs.parse(JSON.readTree(update.content));
        }
        catch (Exception e) {
            return "its configuration does not validate";
        }
        Template.Channel expected = ConnectorConfigs.CHANNELS.get(update.id);
        if (expected == null) {
            return "no connector type sends channel '" + update.id + "' (email, sms, web_push or webhook)";
        }
        if (config.channel() != expected) {
            return "a " + config.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " connector cannot send " + update.id;
        }
        if (expected == Template.Channel.WEBHOOK && !ConnectorConfigs.isHttpUrl(update.url)) {
            return "a webhook connector needs the http(s) 'url' messages are posted to";
        }
        return null;
    }

}
