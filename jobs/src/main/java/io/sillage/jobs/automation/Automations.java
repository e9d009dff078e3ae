package io.sillage.jobs.automation;

import io.sillage.lakehouse.automation.AutomationDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The automations an operator knows, rebuilt from broadcast state: parsed once, indexed by project. Operators
 * keep one of these in a transient field and drop it when an update arrives.
 */
final class Automations {
    /** Broadcast state of every automation's latest update, keyed by {@link AutomationUpdate#key()}. */
    static final MapStateDescriptor<String, AutomationUpdate> STATE =
            new MapStateDescriptor<>("automations", Types.STRING, TypeInformation.of(AutomationUpdate.class));

    record Compiled(AutomationUpdate update, AutomationDefinition definition) {
        boolean active() {
            return AutomationUpdate.ACTIVE.equals(update.status);
        }

        boolean deleted() {
            return AutomationUpdate.DELETED.equals(update.status);
        }
    }

    private final Map<String, List<Compiled>> byProject = new HashMap<>();
    private final Map<String, Compiled> byKey = new HashMap<>();

    Automations(Iterable<Map.Entry<String, AutomationUpdate>> updates) {
        for (Map.Entry<String, AutomationUpdate> entry : updates) {
            AutomationUpdate update = entry.getValue();
            AutomationDefinition definition = update.parsed();
            if (definition == null) {
                continue;
            }
            Compiled compiled = new Compiled(update, definition);
            byKey.put(update.key(), compiled);
            if (!compiled.deleted()) {
                byProject.computeIfAbsent(update.projectId, project -> new ArrayList<>()).add(compiled);
            }
        }
    }

    List<Compiled> of(String projectId) {
        return byProject.getOrDefault(projectId, List.of());
    }

    /** The automation's current state, or null when it was never published or does not parse. */
    Compiled get(String projectId, String automationId) {
        return byKey.get(AutomationUpdate.key(projectId, automationId));
    }
}
