package io.sillage.api.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.api.connectors.Connector;
import io.sillage.api.templates.MessageTemplate;
import io.sillage.api.templates.Snippet;
import io.sillage.lakehouse.event.SegmentEvents;
import java.nio.charset.StandardCharsets;

/**
 * The records of {@code cdp.templates} and {@code cdp.connectors}, as the activation job reads them
 * ({@code MessagingUpdate.Deserializer}); documented in docs/messaging.md#topics-and-settings. Keys:
 * {@code projectId/template/tpl_...}, {@code projectId/snippet/name}, {@code projectId/channel}.
 */
public final class MessagingRecords {
    private MessagingRecords() {}

    public record Record(String key, byte[] value) {}

    public static Record template(MessageTemplate template) {
        ObjectNode value = templateValue(template.projectId(), template.id(), "active");
        value.put("version", template.version());
        value.set("definition", template.definition());
        value.put("updatedAt", template.updatedAt().toString());
        return new Record(templateKey(template.projectId(), template.id()), bytes(value));
    }

    public static Record templateDeleted(String projectId, String templateId) {
        return new Record(templateKey(projectId, templateId), bytes(templateValue(projectId, templateId, "deleted")));
    }

    public static Record snippet(Snippet snippet) {
        ObjectNode value = snippetValue(snippet.projectId(), snippet.name(), "active");
        value.put("source", snippet.source());
        value.put("updatedAt", snippet.updatedAt().toString());
        return new Record(snippetKey(snippet.projectId(), snippet.name()), bytes(value));
    }

    public static Record snippetDeleted(String projectId, String name) {
        return new Record(snippetKey(projectId, name), bytes(snippetValue(projectId, name, "deleted")));
    }

    /** The configuration with its secrets: the topic is read by the activation job only (see docs/messaging.md). */
    public static Record connector(Connector connector) {
        ObjectNode value = SegmentEvents.mapper().createObjectNode();
        value.put("projectId", connector.projectId());
        value.put("channel", connector.channel());
        value.put("version", connector.version());
        value.put("status", connector.deleted() ? "deleted" : "active");
        if (!connector.deleted()) {
            value.set("config", connector.config());
            if (connector.url() != null) {
                value.put("url", connector.url());
            }
        }
        value.put("updatedAt", connector.updatedAt().toString());
        return new Record(connector.projectId() + "/" + connector.channel(), bytes(value));
    }

    private static ObjectNode templateValue(String projectId, String templateId, String status) {
        ObjectNode value = SegmentEvents.mapper().createObjectNode();
        value.put("kind", "template");
        value.put("projectId", projectId);
        value.put("templateId", templateId);
        value.put("status", status);
        return value;
    }

    private static ObjectNode snippetValue(String projectId, String name, String status) {
        ObjectNode value = SegmentEvents.mapper().createObjectNode();
        value.put("kind", "snippet");
        value.put("projectId", projectId);
        value.put("name", name);
        value.put("status", status);
        return value;
    }

    private static String templateKey(String projectId, String templateId) {
        return projectId + "/template/" + templateId;
    }

    private static String snippetKey(String projectId, String name) {
        return projectId + "/snippet/" + name;
    }

    private static byte[] bytes(ObjectNode value) {
        try {
            return SegmentEvents.mapper().writeValueAsString(value).getBytes(StandardCharsets.UTF_8);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot encode a messaging record", e);
        }
    }
}
