package io.sillage.jobs.automation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.automation.AutomationDefinition;
import io.sillage.lakehouse.automation.AutomationDefinitions;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest state of one automation as the API publishes it on {@code cdp.automations}: a Flink POJO broadcast
 * to every automation operator. The definition stays JSON text here and is parsed once per operator.
 */
public class AutomationUpdate {
    public static final String ACTIVE = "active";
    public static final String PAUSED = "paused";
    public static final String DELETED = "deleted";

    public String projectId;
    public String automationId;
    public int version;
    /** draft, active, paused or deleted. */
    public String status;
    public String definition;

    public AutomationUpdate() {}

    public AutomationUpdate(String projectId, String automationId, int version, String status, String definition) {
        this.projectId = projectId;
        this.automationId = automationId;
        this.version = version;
        this.status = status;
        this.definition = definition;
    }

    public String key() {
        return key(projectId, automationId);
    }

    public static String key(String projectId, String automationId) {
        return projectId + '/' + automationId;
    }

    /** Parses the definition; null when it does not validate (the API never publishes one, but the topic is input). */
    public AutomationDefinition parsed() {
        try {
            return AutomationDefinitions.parse(definition);
        }
        catch (RuntimeException e) {
            return null;
        }
    }

    /** Reads the topic's JSON values; a malformed record is logged (without content) and skipped, never fatal. */
    public static final class Deserializer implements KafkaRecordDeserializationSchema<AutomationUpdate> {
        private static final Logger LOG = LoggerFactory.getLogger(Deserializer.class);
        private static final ObjectMapper JSON = new ObjectMapper();

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<AutomationUpdate> out) throws IOException {
            if (record.value() == null) {
                return;
            }
            try {
                JsonNode node = JSON.readTree(record.value());
                String projectId = node.path("projectId").asText(null);
                String automationId = node.path("automationId").asText(null);
                if (projectId == null || automationId == null || !node.path("definition").isObject()) {
                    LOG.warn("Skipping automation record at offset {}: projectId, automationId or definition missing", record.offset());
                    return;
                }
                out.collect(new AutomationUpdate(projectId, automationId, node.path("version").asInt(0),
                        node.path("status").asText("draft"), JSON.writeValueAsString(node.get("definition"))));
            }
            catch (IOException e) {
                LOG.warn("Skipping automation record at offset {}: not JSON", record.offset());
            }
        }

        @Override
        public TypeInformation<AutomationUpdate> getProducedType() {
            return TypeInformation.of(AutomationUpdate.class);
        }
    }
}
