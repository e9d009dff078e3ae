package io.sillage.jobs.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.jobs.profile.ProfileState.MergeEntry;
import io.sillage.jobs.profile.ProfileState.Subscription;
import io.sillage.jobs.profile.ProfileState.TraitValue;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;

/**
 * JSON views of a profile: the document the Profile View API serves (kept in the serving store), and the
 * {@code traits} and {@code subscriptions} columns of the lakehouse tables.
 */
public final class ProfileDocuments {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ProfileDocuments() {}

    /** The Profile View document (see the OpenAPI description of {@code GET /api/v1/profiles/{identifier}}). */
    public static String document(ProfileState state) {
        ObjectNode root = NODES.objectNode();
        root.put("profileId", state.profileId);
        root.put("version", state.version);
        root.put("mergedInto", state.mergedInto);
        root.put("createdAt", time(state.createdAtMicros));
        ArrayNode identifiers = root.putArray("identifiers");
        for (String identifier : state.identifiers) {
            int colon = identifier.indexOf(':');
            identifiers.addObject().put("type", identifier.substring(0, colon)).put("value", identifier.substring(colon + 1));
        }
        root.set("traits", traits(state));
        ObjectNode traitSources = root.putObject("traitSources");
        for (Map.Entry<String, TraitValue> trait : state.traits.entrySet()) {
            traitSources.putObject(trait.getKey())
                    .put("setAt", time(trait.getValue().setAtMicros))
                    .put("source", trait.getValue().source)
                    .put("messageId", trait.getValue().messageId);
        }
        root.set("subscriptions", subscriptions(state));
        ObjectNode computed = root.putObject("computed");
        computed.put("firstSeen", time(state.firstSeenMicros));
        computed.put("lastSeen", time(state.lastSeenMicros));
        computed.put("eventCount", state.eventCount);
        computed.put("orderCount", state.orderCount);
        computed.put("revenue", state.revenue);
        computed.put("lastOrderAt", time(state.lastOrderMicros));
        ArrayNode merges = root.putArray("merges");
        for (MergeEntry merge : state.merges) {
            merges.addObject()
                    .put("fromProfileId", merge.fromProfileId)
                    .put("intoProfileId", merge.intoProfileId)
                    .put("identifier", merge.identifier)
                    .put("messageId", merge.messageId)
                    .put("eventTime", time(merge.eventTimeMicros));
        }
        return root.toString();
    }

    /** Trait name to value, as a JSON object. */
    public static ObjectNode traits(ProfileState state) {
        ObjectNode traits = NODES.objectNode();
        for (Map.Entry<String, TraitValue> trait : state.traits.entrySet()) {
            traits.set(trait.getKey(), parse(trait.getValue().value));
        }
        return traits;
    }

    public static ArrayNode subscriptions(ProfileState state) {
        ArrayNode subscriptions = NODES.arrayNode();
        for (Subscription subscription : state.subscriptions.values()) {
            subscriptions.addObject()
                    .put("channel", subscription.channel)
                    .put("topic", subscription.topic)
                    .put("installationId", subscription.installationId)
                    .put("status", subscription.status)
                    .put("changedAt", time(subscription.changedAtMicros))
                    .put("source", subscription.source)
                    .put("messageId", subscription.messageId);
        }
        return subscriptions;
    }

    /** ISO-8601 UTC, or null for the "never" sentinels. */
    static String time(long micros) {
        if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
            return null;
        }
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000L).toString();
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            return NODES.nullNode();
        }
        try {
            return MAPPER.readTree(json);
        }
        catch (IOException e) {
            return NODES.textNode(json);
        }
    }
}
