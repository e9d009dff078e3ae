package io.sillage.lakehouse.identity;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.sillage.lakehouse.event.CollectedEvent;
import io.sillage.lakehouse.event.SegmentEvents;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The identifiers an event carries, normalized, in the project's priority order.
 *
 * <p>Sources: {@code anonymousId}, {@code userId}, {@code traits.email}, {@code traits.phone} (also under
 * {@code context.traits}, where Segment puts traits on track calls), {@code context.externalIds} entries
 * ({@code {"id": "...", "type": "crm_id"}}, for declared types), and for {@code alias} calls
 * {@code previousId}, returned separately because it may name a user id or an anonymous id.
 */
public final class EventIdentifiers {
    private final IdentityRules rules;
    private final IdentifierNormalizer normalizer;

    public EventIdentifiers(IdentityRules rules) {
        this.rules = requireNonNull(rules, "rules is null");
        this.normalizer = new IdentifierNormalizer(rules);
    }

    /** What an event says about who it is. */
    public record Extracted(List<Identifier> identifiers, Optional<String> aliasPreviousId) {
        public Extracted {
            identifiers = List.copyOf(identifiers);
            requireNonNull(aliasPreviousId, "aliasPreviousId is null");
        }

        /** The most trusted identifier, which decides the profile when links conflict. */
        public Optional<Identifier> primary() {
            return identifiers.stream().findFirst();
        }
    }

    public Extracted extract(CollectedEvent event) {
        Set<Identifier> found = new LinkedHashSet<>();
        add(found, IdentityRules.USER_ID, event.userId());
        add(found, IdentityRules.ANONYMOUS_ID, event.anonymousId());
        JsonNode traits = SegmentEvents.readStoredJson(event.traits());
        // most contexts (library, locale, page, device) name no identifier: skip parsing those
        String contextText = event.context();
        JsonNode context = contextText != null && (contextText.contains("\"traits\"") || contextText.contains("\"externalIds\""))
                ? SegmentEvents.readStoredJson(contextText)
                : null;
        JsonNode contextTraits = context == null ? null : context.get("traits");
        for (JsonNode source : new JsonNode[] {traits, contextTraits}) {
            if (source != null && source.isObject()) {
                add(found, IdentityRules.EMAIL, text(source.get("email")));
                add(found, IdentityRules.PHONE, text(source.get("phone")));
            }
        }
        JsonNode externalIds = context == null ? null : context.get("externalIds");
        if (externalIds != null && externalIds.isArray()) {
            for (JsonNode externalId : externalIds) {
                String type = text(externalId.get("type"));
                if (type != null && rules.declares(type)) {
                    add(found, type, text(externalId.get("id")));
                }
            }
        }
        List<Identifier> ordered = new ArrayList<>(found);
        ordered.sort(Comparator.comparingInt(identifier -> rules.rank(identifier.type())));
        Optional<String> previousId = "alias".equals(event.type())
                ? Optional.ofNullable(event.previousId()).map(String::strip).filter(value -> !normalizer.isBlocked(value))
                : Optional.empty();
        return new Extracted(ordered, previousId);
    }

    private void add(Set<Identifier> found, String type, String value) {
        normalizer.normalize(type, value).ifPresent(found::add);
    }

    private static String text(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isTextual() ? node.textValue() : node.isNumber() ? node.asText() : null;
    }

}
