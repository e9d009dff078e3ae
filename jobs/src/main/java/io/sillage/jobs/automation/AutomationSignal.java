package io.sillage.jobs.automation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.automation.PropertyFilter;
import java.io.IOException;
import java.util.Objects;

/**
 * What the automation stage passes between its operators about one instance (automation x person x instance
 * key): its entry, its deadline, an event that may end it, or the order to fire it. A flat Flink POJO.
 */
public class AutomationSignal {
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Role { ENTRY, DEADLINE, CANCEL, EXIT, FIRE }

    public Role role;
    public String projectId;
    public String automationId;
    /** Definition version the instance entered with. */
    public int version;
    public String profileId;
    /** Empty for single re-entry; the value of the re-entry key for parallel instances. */
    public String instanceKey = "";
    /** The event behind this signal (for ENTRY, DEADLINE and FIRE: the entry event, which names the instance). */
    public String messageId;
    public String event;
    public long eventTimeMillis;
    /** Send time of the instance (ENTRY, DEADLINE, FIRE). */
    public long deadlineMillis;
    /** ENTRY and FIRE: the entry event's properties (JSON text), for business-key matching and personalization. */
    public String properties;
    /** ENTRY and FIRE: the identifier the entry event came with. */
    public String identifier;
    /** CANCEL: the business key property to compare with the entry, or null when any such event cancels. */
    public String matchKey;
    /** CANCEL: the cancel event's value of {@link #matchKey} (JSON text). */
    public String matchValue;
    /** ENTRY and FIRE: consent, reach and time zone of the profile right after the entry event (see ProfileFacts). */
    public String consent;
    public String reach;
    public String timezone;
    /** FIRE: true when the facts above are current (fired at entry), false when they must be looked up. */
    public boolean factsCurrent;
    /** FIRE: the profile's traits (JSON object text) from the serving store, for profile conditions; null if unknown. */
    public String traits;

    public AutomationSignal() {}

    /** Key of the instance: project, automation, profile and instance key. */
    public String instance() {
        return projectId + '\u0000' + automationId + '\u0000' + profileId + '\u0000' + instanceKey;
    }

    /** Key of the person within the automation, for grace and capping. */
    public String person() {
        return projectId + '\u0000' + automationId + '\u0000' + profileId;
    }

    /** Idempotency key of the activation request: automation, version, instance. */
    public String idempotencyKey() {
        return automationId + ":v" + version + ":" + messageId + (instanceKey.isEmpty() ? "" : ":" + instanceKey);
    }

    public AutomationSignal copy(Role newRole) {
        AutomationSignal copy = new AutomationSignal();
        copy.role = newRole;
        copy.projectId = projectId;
        copy.automationId = automationId;
        copy.version = version;
        copy.profileId = profileId;
        copy.instanceKey = instanceKey;
        copy.messageId = messageId;
        copy.event = event;
        copy.eventTimeMillis = eventTimeMillis;
        copy.deadlineMillis = deadlineMillis;
        copy.properties = properties;
        copy.identifier = identifier;
        copy.matchKey = matchKey;
        copy.matchValue = matchValue;
        copy.consent = consent;
        copy.reach = reach;
        copy.timezone = timezone;
        copy.factsCurrent = factsCurrent;
        copy.traits = traits;
        return copy;
    }

    /** The deadline marker of an entry: carries only what identifies the instance. */
    public AutomationSignal deadline() {
        AutomationSignal marker = new AutomationSignal();
        marker.role = Role.DEADLINE;
        marker.projectId = projectId;
        marker.automationId = automationId;
        marker.version = version;
        marker.profileId = profileId;
        marker.instanceKey = instanceKey;
        marker.messageId = messageId;
        marker.eventTimeMillis = deadlineMillis;
        marker.deadlineMillis = deadlineMillis;
        return marker;
    }

    /**
     * True when {@code end} ends the instance that {@code entry} started: its own deadline, any exit event, or a
     * cancel event whose business key (if the rule names one) equals the entry's. Used by the instance gate and
     * by the CEP pattern, so both agree.
     */
    public static boolean ends(AutomationSignal entry, AutomationSignal end) {
        return switch (end.role) {
            case DEADLINE -> Objects.equals(entry.messageId, end.messageId);
            case EXIT -> true;
            case CANCEL -> end.matchKey == null
                    || (end.matchValue != null && end.matchValue.equals(valueText(entry.properties, end.matchKey)));
            default -> false;
        };
    }

    /** The JSON text of property {@code path} in {@code properties}, or null when absent, null or unparsable. */
    public static String valueText(String properties, String path) {
        if (properties == null) {
            return null;
        }
        try {
            return valueText(JSON.readTree(properties), path);
        }
        catch (IOException e) {
            return null;
        }
    }

    public static String valueText(JsonNode properties, String path) {
        if (properties == null) {
            return null;
        }
        JsonNode value = PropertyFilter.at(properties, path);
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        // numbers and strings with the same text ("42" vs 42) are the same business key
        return value.isValueNode() ? value.asText() : value.toString();
    }
}
