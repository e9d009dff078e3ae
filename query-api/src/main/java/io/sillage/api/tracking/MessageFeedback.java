package io.sillage.api.tracking;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.api.profiles.ProfileViews;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.identity.IdentityRules;
import io.sillage.lakehouse.messaging.tracking.TrackedMessage;
import java.time.Instant;
import java.util.Optional;

/**
 * Records what happened to a sent message (opened, clicked, unsubscribed, delivered, bounced, complained) as
 * Segment track events on the raw topic, through {@link TrackingService#acceptFeedback}: the events reach the event
 * history and the profile job like any other, and their reserved {@code context.sillage.message} puts a status row
 * on the message's timeline in {@code cdp.messages}.
 *
 * <p>Attribution: the message's profile is looked up in the serving store (following merges) and the event names it
 * by its {@code user_id} identifier ({@code userId}), else its email address ({@code context.traits.email}), else its
 * anonymous id; an address the provider reported stands in when the store has no profile.
 */
public class MessageFeedback {
    public static final String EMAIL_OPENED = "Email Opened";
    public static final String EMAIL_LINK_CLICKED = "Email Link Clicked";
    public static final String EMAIL_DELIVERED = "Email Delivered";
    public static final String EMAIL_BOUNCED = "Email Bounced";
    public static final String EMAIL_MARKED_AS_SPAM = "Email Marked as Spam";
    public static final String SUBSCRIPTION_CHANGED = "Subscription Changed";
    /** {@code source} of the events the tracking links record. */
    public static final String LINKS_SOURCE = "sillage-tracking";
    /** Segment needs a userId or an anonymousId; this one is blocked for stitching (identity rules). */
    private static final String PLACEHOLDER_ANONYMOUS_ID = "anonymous";

    private final TrackingService tracking;
    private final ProfileViews profiles;

    public MessageFeedback(TrackingService tracking, ProfileViews profiles) {
        this.tracking = requireNonNull(tracking, "tracking is null");
        this.profiles = requireNonNull(profiles, "profiles is null");
    }

    /**
     * One fact about a message.
     *
     * @param projectId the project (the message's, or the authenticated one)
     * @param source    the event's {@code source}
     * @param event     the track event's name
     * @param status    the message status it means ({@code opened}...), or null for none
     * @param message   the message, or null when the provider did not say which
     * @param properties extra properties (besides message_id, channel, source_type, source_id)
     * @param eventId   the event's messageId (a replay with the same id is deduplicated), or null for a new one
     * @param timestamp when it happened, or null for now
     * @param fallbackEmail an address for {@code context.traits.email} when the store has no profile, or null
     */
    public record Fact(String projectId, String source, String event, String status, TrackedMessage message, ObjectNode properties,
            String eventId, Instant timestamp, String fallbackEmail) {}

    /**
     * Publishes the fact's event; false (nothing published) when it cannot be attributed: no profile in the store
     * (an erased profile) and no address.
     *
     * @throws io.sillage.api.http.ProblemException (503) when the event bus did not take it
     */
    public boolean record(Fact fact) {
        ObjectNode event = SegmentEvents.mapper().createObjectNode();
        event.put("type", "track");
        event.put("event", fact.event());
        if (fact.eventId() != null) {
            event.put("messageId", fact.eventId());
        }
        if (fact.timestamp() != null) {
            event.put("timestamp", SegmentEvents.format(fact.timestamp()));
        }
        Optional<ObjectNode> profile = fact.message() == null ? Optional.empty() : profiles.findById(fact.projectId(), fact.message().profileId());
        if (!attribute(event, profile.orElse(null), fact.fallbackEmail())) {
            return false;
        }
        ObjectNode properties = event.putObject("properties");
        TrackedMessage message = fact.message();
        ObjectNode reserved = null;
        if (message != null) {
            properties.put("message_id", message.messageId());
            properties.put("channel", message.channel());
            properties.put("source_type", message.sourceType());
            properties.put("source_id", message.sourceId());
            if (fact.status() != null) {
                reserved = SegmentEvents.mapper().createObjectNode();
                reserved.put("messageId", message.messageId());
                reserved.put("status", fact.status());
                reserved.put("channel", message.channel());
                reserved.put("sourceType", message.sourceType());
                reserved.put("sourceId", message.sourceId());
                reserved.put("profileId", message.profileId());
            }
        }
        if (fact.properties() != null) {
            properties.setAll(fact.properties());
        }
        tracking.acceptFeedback(event, fact.projectId(), fact.source(), reserved);
        return true;
    }

    /** Names the person: userId, else the email address in context.traits, else the anonymous id. */
    static boolean attribute(ObjectNode event, ObjectNode profile, String fallbackEmail) {
        String userId = null;
        String email = null;
        String anonymousId = null;
        if (profile != null) {
            for (JsonNode held : profile.path("identifiers")) {
                String type = held.path("type").asText();
                String value = held.path("value").asText(null);
                if (type.equals(IdentityRules.USER_ID) && userId == null) {
                    userId = value;
                }
                else if (type.equals(IdentityRules.EMAIL) && email == null) {
                    email = value;
                }
                else if (type.equals(IdentityRules.ANONYMOUS_ID) && anonymousId == null) {
                    anonymousId = value;
                }
            }
        }
        if (userId == null && email == null && anonymousId == null) {
            email = fallbackEmail;
        }
        if (userId != null) {
            event.put("userId", userId);
            return true;
        }
        if (email != null) {
            event.put("anonymousId", anonymousId != null ? anonymousId : PLACEHOLDER_ANONYMOUS_ID);
            event.putObject("context").putObject("traits").put("email", email);
            return true;
        }
        if (anonymousId != null) {
            event.put("anonymousId", anonymousId);
            return true;
        }
        return false;
    }
}
