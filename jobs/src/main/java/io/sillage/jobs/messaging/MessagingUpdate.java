package io.sillage.jobs.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest state of a template, a snippet or a connector, as published on the compacted topics
 * {@code cdp.templates} (templates and snippets) and {@code cdp.connectors}, broadcast to the operators that
 * decide, render and route messages. A Flink POJO; the content stays JSON text (Liquid source for a snippet) and is
 * parsed once per operator ({@link MessagingConfig}). The record shapes are in {@code docs/messaging.md}.
 */
public class MessagingUpdate {
    public static final String TEMPLATE = "template";
    public static final String SNIPPET = "snippet";
    public static final String CONNECTOR = "connector";
    public static final String DELETED = "deleted";

    /** template, snippet or connector. */
    public String kind;
    public String projectId;
    /** The template id, the snippet name, or the connector's channel. */
    public String id;
    public int version;
    /** active or deleted. */
    public String status;
    /** Template definition JSON, snippet source, or connector configuration JSON; null when deleted. */
    public String content;
    /** For a webhook connector: the URL messages are posted to. */
    public String url;

    public MessagingUpdate() {}

    public MessagingUpdate(String kind, String projectId, String id, int version, String status, String content, String url) {
        this.kind = kind;
        this.projectId = projectId;
        this.id = id;
        this.version = version;
        this.status = status;
        this.content = content;
        this.url = url;
    }

    public String key() {
        return key(kind, projectId, id);
    }

    public static String key(String kind, String projectId, String id) {
        return kind + '/' + projectId + '/' + id;
    }

    public boolean deleted() {
        return DELETED.equals(status);
    }

    /**
     * Reads one of the two topics; a malformed record is logged (without content: connector records hold secrets)
     * and skipped, never fatal.
     */
    public static final class Deserializer implements KafkaRecordDeserializationSchema<MessagingUpdate> {
        private static final Logger LOG = LoggerFactory.getLogger(Deserializer.class);
        private static final ObjectMapper JSON = new ObjectMapper();

        private final boolean connectors;

        private Deserializer(boolean connectors) {
            this.connectors = connectors;
        }

        /** Records of {@code cdp.templates}: {@code kind} template or snippet. */
        public static Deserializer templates() {
            return new Deserializer(false);
        }

        /** Records of {@code cdp.connectors}. */
        public static Deserializer connectors() {
            return new Deserializer(true);
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<MessagingUpdate> out) {
            if (record.value() == null) {
                return;
            }
            JsonNode node;
            try {
                node = JSON.readTree(record.value());
            }
            catch (IOException e) {
                LOG.warn("Skipping {} record at offset {}: not JSON", record.topic(), record.offset());
                return;
            }
            MessagingUpdate update = connectors ? connector(node) : templateOrSnippet(node);
            if (update == null) {
                LOG.warn("Skipping {} record at offset {}: a required field is missing", record.topic(), record.offset());
                return;
            }
            out.collect(update);
        }

        private static MessagingUpdate templateOrSnippet(JsonNode node) {
            String kind = node.path("kind").asText("");
            String projectId = node.path("projectId").asText(null);
            String status = node.path("status").asText("active");
            boolean deleted = DELETED.equals(status);
            if (TEMPLATE.equals(kind)) {
                String templateId = node.path("templateId").asText(null);
                if (projectId == null || templateId == null || !deleted && !node.path("definition").isObject()) {
                    return null;
                }
                return new MessagingUpdate(TEMPLATE, projectId, templateId, node.path("version").asInt(0), status,
                        deleted ? null : node.get("definition").toString(), null);
            }
            if (SNIPPET.equals(kind)) {
                String name = node.path("name").asText(null);
                if (projectId == null || name == null || !deleted && !node.path("source").isTextual()) {
                    return null;
                }
                return new MessagingUpdate(SNIPPET, projectId, name, 0, status, deleted ? null : node.get("source").asText(), null);
            }
            return null;
        }

        private static MessagingUpdate connector(JsonNode node) {
            String projectId = node.path("projectId").asText(null);
            String channel = node.path("channel").asText(null);
            String status = node.path("status").asText("active");
            boolean deleted = DELETED.equals(status);
            if (projectId == null || channel == null || !deleted && !node.path("config").isObject()) {
                return null;
            }
            return new MessagingUpdate(CONNECTOR, projectId, channel, node.path("version").asInt(0), status,
                    deleted ? null : node.get("config").toString(), node.path("url").asText(null));
        }

        @Override
        public TypeInformation<MessagingUpdate> getProducedType() {
            return TypeInformation.of(MessagingUpdate.class);
        }
    }
}
