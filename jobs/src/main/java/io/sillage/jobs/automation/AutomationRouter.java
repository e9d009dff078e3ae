package io.sillage.jobs.automation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.jobs.automation.AutomationSignal.Role;
import io.sillage.jobs.profile.AttributedEvent;
import io.sillage.lakehouse.automation.AutomationDefinition;
import io.sillage.lakehouse.automation.AutomationDefinition.EventRule;
import io.sillage.lakehouse.automation.AutomationDefinition.PastPolicy;
import java.io.IOException;
import java.util.List;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * First step of the automation stage: matches every attributed event against the project's automations
 * (broadcast from {@code cdp.automations}) and turns it into signals: ENTRY for an active automation whose entry
 * rule matches, CANCEL or EXIT for any automation not deleted whose cancel or exit rule matches. A cancel or exit
 * goes to the event's profile and to every profile merged into it, because an instance stays keyed by the
 * profile id it entered under. Entries whose send time is unknown or too far past are recorded and dropped here.
 */
public class AutomationRouter extends BroadcastProcessFunction<AttributedEvent, AutomationUpdate, AutomationSignal> {
    public static final OutputTag<AutomationRun> RUNS = new OutputTag<>("automation-router-runs") {};
    private static final ObjectMapper JSON = new ObjectMapper();

    private transient Automations automations;

    @Override
    public void processElement(AttributedEvent event, ReadOnlyContext context, Collector<AutomationSignal> out) throws Exception {
        List<Automations.Compiled> candidates = automations(context).of(event.projectId);
        if (candidates.isEmpty()) {
            return;
        }
        Properties properties = new Properties(event.event.properties);
        String name = event.event.event;
        for (Automations.Compiled automation : candidates) {
            AutomationDefinition definition = automation.definition();
            if (automation.active() && matches(definition.entry(), name, properties)) {
                entry(automation, event, properties.get(), context, out);
            }
            EventRule cancel = firstMatching(definition.cancel(), name, properties);
            if (cancel != null) {
                end(automation, event, properties.get(), Role.CANCEL, cancel, out);
            }
            else {
                EventRule exit = firstMatching(definition.exit(), name, properties);
                if (exit != null) {
                    end(automation, event, properties.get(), Role.EXIT, exit, out);
                }
            }
        }
    }

    private static EventRule firstMatching(List<EventRule> rules, String name, Properties properties) {
        for (EventRule rule : rules) {
            if (matches(rule, name, properties)) {
                return rule;
            }
        }
        return null;
    }

    /** Compares the event name first, so properties are parsed only for events some rule is about. */
    private static boolean matches(EventRule rule, String name, Properties properties) {
        return rule.event().equals(name) && rule.matches(name, properties.get());
    }

    /** The event's properties, parsed on first use (most events concern no automation). */
    private static final class Properties {
        private final String text;
        private JsonNode parsed;

        Properties(String text) {
            this.text = text;
        }

        JsonNode get() {
            if (parsed == null) {
                parsed = parse(text);
            }
            return parsed;
        }
    }

    private static void entry(Automations.Compiled automation, AttributedEvent event, JsonNode properties, ReadOnlyContext context,
            Collector<AutomationSignal> out) {
        AutomationDefinition definition = automation.definition();
        AutomationSignal entry = new AutomationSignal();
        entry.role = Role.ENTRY;
        entry.projectId = event.projectId;
        entry.automationId = automation.update().automationId;
        entry.version = automation.update().version;
        entry.profileId = event.profileId;
        entry.messageId = event.event.messageId;
        entry.event = event.event.event;
        entry.eventTimeMillis = Math.floorDiv(event.event.timestampMicros, 1000);
        entry.properties = event.event.properties;
        entry.identifier = event.identifier;
        entry.consent = event.consent;
        entry.reach = event.reach;
        entry.timezone = event.timezone;
        long now = context.currentProcessingTime();
        if (definition.reentry().parallel()) {
            String key = AutomationSignal.valueText(properties, definition.reentry().key());
            if (key == null) {
                context.output(RUNS, AutomationRun.of(entry, AutomationRun.SUPPRESSED, "no_reentry_key", entry.messageId, now));
                return;
            }
            entry.instanceKey = key;
        }
        Long deadline = definition.waitRule().deadline(entry.eventTimeMillis, properties);
        if (deadline == null) {
            context.output(RUNS, AutomationRun.of(entry, AutomationRun.SUPPRESSED, "no_date", entry.messageId, now));
            return;
        }
        if (deadline < now - definition.waitRule().maxLateness().toMillis()) {
            if (definition.waitRule().ifPast() == PastPolicy.SKIP) {
                context.output(RUNS, AutomationRun.of(entry, AutomationRun.SUPPRESSED, "late", entry.messageId, now).waitingUntil(deadline));
                return;
            }
            deadline = now;
        }
        entry.deadlineMillis = deadline;
        out.collect(entry);
    }

    private static void end(Automations.Compiled automation, AttributedEvent event, JsonNode properties, Role role, EventRule rule,
            Collector<AutomationSignal> out) {
        AutomationDefinition definition = automation.definition();
        String instanceKey = "";
        if (definition.reentry().parallel()) {
            instanceKey = AutomationSignal.valueText(properties, definition.reentry().key());
            if (instanceKey == null) {
                return; // cannot name the instance it would end
            }
        }
        AutomationSignal end = new AutomationSignal();
        end.role = role;
        end.projectId = event.projectId;
        end.automationId = automation.update().automationId;
        end.version = automation.update().version;
        end.instanceKey = instanceKey;
        end.messageId = event.event.messageId;
        end.event = event.event.event;
        end.eventTimeMillis = Math.floorDiv(event.event.timestampMicros, 1000);
        if (role == Role.CANCEL && rule.match() != null) {
            end.matchKey = rule.match();
            end.matchValue = AutomationSignal.valueText(properties, rule.match());
            if (end.matchValue == null) {
                return; // names no business key: cannot cancel a keyed instance
            }
        }
        end.profileId = event.profileId;
        out.collect(end);
        for (String alias : event.aliases) {
            AutomationSignal copy = end.copy(role);
            copy.profileId = alias;
            out.collect(copy);
        }
    }

    private Automations automations(ReadOnlyContext context) throws Exception {
        if (automations == null) {
            automations = new Automations(context.getBroadcastState(Automations.STATE).immutableEntries());
        }
        return automations;
    }

    @Override
    public void processBroadcastElement(AutomationUpdate update, Context context, Collector<AutomationSignal> out) throws Exception {
        context.getBroadcastState(Automations.STATE).put(update.key(), update);
        automations = null;
    }

    private static JsonNode parse(String properties) {
        if (properties == null) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(properties);
        }
        catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
