package io.sillage.jobs.profile;

import io.sillage.lakehouse.identity.ProjectIdentityRules;
import com.fasterxml.jackson.databind.JsonNode;
import io.sillage.lakehouse.event.CollectedEvent;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.identity.EventIdentifiers;
import io.sillage.lakehouse.identity.Identifier;
import io.sillage.lakehouse.identity.IdentityRules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.flink.api.common.functions.RichMapFunction;

import static java.util.Objects.requireNonNull;

/**
 * Reads the identifiers of each event with its project's rules (normalization, blocked values, priority). An
 * {@code alias} call's {@code previousId} is linked as an {@code anonymous_id}, the usual case of a client SDK
 * aliasing its anonymous visitor to a user id.
 */
public class ExtractIdentifiers extends RichMapFunction<CollectedEvent, IdentifiedEvent> {
    private final ProjectIdentityRules rules;
    private transient Map<String, EventIdentifiers> extractors;

    public ExtractIdentifiers(ProjectIdentityRules rules) {
        this.rules = requireNonNull(rules, "rules is null");
    }

    @Override
    public IdentifiedEvent map(CollectedEvent event) {
        if (extractors == null) {
            extractors = new HashMap<>();
        }
        EventIdentifiers extractor = extractors.computeIfAbsent(event.projectId(), project -> new EventIdentifiers(rules.rules(project)));
        EventIdentifiers.Extracted extracted = extractor.extract(event);
        List<Identifier> identifiers = new ArrayList<>(extracted.identifiers());
        IdentityRules projectRules = rules.rules(event.projectId());
        extracted.aliasPreviousId().ifPresent(previousId -> {
            Identifier previous = new Identifier(IdentityRules.ANONYMOUS_ID, previousId);
            if (!identifiers.contains(previous) && projectRules.declares(IdentityRules.ANONYMOUS_ID)) {
                identifiers.add(previous);
                identifiers.sort((a, b) -> Integer.compare(projectRules.rank(a.type()), projectRules.rank(b.type())));
            }
        });
        return new IdentifiedEvent(event, identifiers.stream().map(Identifier::toString).toList());
    }

    /** What the profile needs from an event. */
    public static ProfileEvent profileEvent(CollectedEvent event) {
        return new ProfileEvent(event.messageId(), event.type(), event.event(), event.source(), event.timestampMicros(),
                event.traits(), event.properties(), deviceId(event.context()));
    }

    private static String deviceId(String context) {
        if (context == null || !context.contains("\"device\"")) {
            return null;
        }
        JsonNode parsed = SegmentEvents.readStoredJson(context);
        JsonNode id = parsed == null ? null : parsed.path("device").path("id");
        return id != null && id.isTextual() && !id.textValue().isBlank() ? id.textValue() : null;
    }
}
