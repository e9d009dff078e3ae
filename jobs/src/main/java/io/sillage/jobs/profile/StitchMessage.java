package io.sillage.jobs.profile;

import java.util.ArrayList;
import java.util.List;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One message of the stitching protocol (see {@code docs/identity.md}). Messages to identifiers are handled by
 * {@link IdentifierDirectory}, messages to profiles by {@link ProfileLogic}. Messages that go backwards in the
 * job graph (profile to identifier, profile to profile) travel through the Kafka feedback topic as JSON, which
 * is why this is one flat class rather than a class hierarchy. Flink writes it with {@link StitchMessageSerializer}.
 */
@TypeInfo(StitchMessageSerializer.Factory.class)
public class StitchMessage {
    /** New kinds go at the end: {@link StitchMessageSerializer} stores the ordinal. */
    public enum Kind {
        /** To an identifier: an event whose most trusted identifier is the target. */
        ROUTE(true),
        /** To an identifier: profile {@code profileId} holds the target identifier. */
        CLAIM(true),
        /** To an identifier: its profile was merged into {@code profileId} (path compression). */
        REPOINT(true),
        /** To a profile: apply {@code event}, anchored at {@code identifier}, carrying {@code identifiers}. */
        APPLY(false),
        /** To a profile: it and {@code profileId} share {@code identifier}; the later created one offers itself. */
        LINK(false),
        /** To a profile: {@code profileId} (with {@code identifiers}) asks to merge into the target. */
        OFFER(false),
        /** To a profile: the offer was accepted by root {@code profileId}; hand over the state. */
        ACCEPT(false),
        /** To a profile: the offer was refused by {@code profileId} because of {@code reason}. */
        REFUSE(false),
        /** To a profile: fold {@code state} of merged profile {@code profileId} into the target. */
        ABSORB(false),
        /** To a profile: give up {@code identifier}, whose link was refused. */
        DROP(false);

        private final boolean toIdentifier;

        Kind(boolean toIdentifier) {
            this.toIdentifier = toIdentifier;
        }

        public boolean toIdentifier() {
            return toIdentifier;
        }
    }

    public Kind kind;
    public String projectId;
    /** An identifier ({@code type:value}) or a profile id, depending on {@link Kind#toIdentifier()}. */
    public String target;
    public String profileId;
    public String identifier;
    /** The profile that linked {@link #identifier} first (LINK, OFFER): it gives the identifier up on refusal. */
    public String claimant;
    /** The event behind a link decision, as evidence. */
    public String messageId;
    public long eventTimeMicros;
    public List<String> identifiers = new ArrayList<>();
    public ProfileEvent event;
    /**
     * ABSORB only: the merged profile's state as JSON. Kept as text so that the messages of the hot path (one
     * per event) do not carry an empty profile through every serialization.
     */
    public String state;
    public String reason;
    /** True when an APPLY reached a merged profile and was sent on to the survivor. */
    public boolean forwarded;

    public StitchMessage() {}

    private StitchMessage(Kind kind, String projectId, String target) {
        this.kind = kind;
        this.projectId = projectId;
        this.target = target;
    }

    /** The Flink key and Kafka key: project and target. Project ids never contain '|'. */
    public String key() {
        return key(projectId, target);
    }

    public static String key(String projectId, String target) {
        // a sized builder rather than the + operator: on this path (both sides of every exchange) the concatenation
        // was 8 % of the pipeline's CPU samples in the profile benchmark, most of them inside its method handles
        return new StringBuilder(projectId.length() + 1 + target.length()).append(projectId).append('|').append(target).toString();
    }

    public static StitchMessage route(String projectId, List<String> identifiers, ProfileEvent event) {
        StitchMessage message = new StitchMessage(Kind.ROUTE, projectId, identifiers.get(0));
        message.identifiers = new ArrayList<>(identifiers);
        message.event = event;
        return message;
    }

    public static StitchMessage apply(String projectId, String profileId, String anchor, List<String> identifiers, ProfileEvent event, boolean forwarded) {
        StitchMessage message = new StitchMessage(Kind.APPLY, projectId, profileId);
        message.identifier = anchor;
        message.identifiers = new ArrayList<>(identifiers);
        message.event = event;
        message.forwarded = forwarded;
        return message;
    }

    public static StitchMessage claim(String projectId, String identifier, String profileId, ProfileEvent evidence) {
        StitchMessage message = new StitchMessage(Kind.CLAIM, projectId, identifier);
        message.profileId = profileId;
        message.evidence(evidence);
        return message;
    }

    public static StitchMessage repoint(String projectId, String identifier, String profileId) {
        StitchMessage message = new StitchMessage(Kind.REPOINT, projectId, identifier);
        message.profileId = profileId;
        return message;
    }

    /** A link between two profiles, addressed to the later created one. */
    public static StitchMessage link(String projectId, String a, String b, String identifier, String claimant, String messageId, long eventTimeMicros) {
        String later = ProfileIds.precedes(a, b) ? b : a;
        String earlier = later.equals(a) ? b : a;
        StitchMessage message = new StitchMessage(Kind.LINK, projectId, later);
        message.profileId = earlier;
        message.identifier = identifier;
        message.claimant = claimant;
        message.messageId = messageId;
        message.eventTimeMicros = eventTimeMicros;
        return message;
    }

    public StitchMessage offer(String from, String to, List<String> fromIdentifiers) {
        StitchMessage message = new StitchMessage(Kind.OFFER, projectId, to);
        message.profileId = from;
        message.identifiers = new ArrayList<>(fromIdentifiers);
        message.copyEvidence(this);
        return message;
    }

    public StitchMessage retarget(String newTarget) {
        StitchMessage message = copy();
        message.target = newTarget;
        return message;
    }

    public static StitchMessage accept(String projectId, String offeringProfile, String root, StitchMessage offer) {
        StitchMessage message = new StitchMessage(Kind.ACCEPT, projectId, offeringProfile);
        message.profileId = root;
        message.copyEvidence(offer);
        return message;
    }

    public static StitchMessage refuse(String projectId, String offeringProfile, String refusedBy, StitchMessage offer, String reason) {
        StitchMessage message = new StitchMessage(Kind.REFUSE, projectId, offeringProfile);
        message.profileId = refusedBy;
        message.copyEvidence(offer);
        message.reason = reason;
        return message;
    }

    public static StitchMessage absorb(String projectId, String root, String from, ProfileState state, StitchMessage accept) {
        StitchMessage message = new StitchMessage(Kind.ABSORB, projectId, root);
        message.profileId = from;
        message.state = FeedbackSerde.stateToJson(state);
        message.copyEvidence(accept);
        return message;
    }

    public static StitchMessage drop(String projectId, String profileId, String identifier) {
        StitchMessage message = new StitchMessage(Kind.DROP, projectId, profileId);
        message.identifier = identifier;
        return message;
    }

    private void evidence(ProfileEvent event) {
        if (event != null) {
            messageId = event.messageId;
            eventTimeMicros = event.timestampMicros;
        }
    }

    private void copyEvidence(StitchMessage other) {
        identifier = other.identifier;
        claimant = other.claimant;
        messageId = other.messageId;
        eventTimeMicros = other.eventTimeMicros;
    }

    private StitchMessage copy() {
        StitchMessage message = new StitchMessage(kind, projectId, target);
        message.profileId = profileId;
        message.identifier = identifier;
        message.claimant = claimant;
        message.messageId = messageId;
        message.eventTimeMicros = eventTimeMicros;
        message.identifiers = new ArrayList<>(identifiers);
        message.event = event;
        message.state = state;
        message.reason = reason;
        message.forwarded = forwarded;
        return message;
    }

    @Override
    public String toString() {
        // identifiers are personal data: never in logs
        return kind + (kind.toIdentifier() ? "" : "->" + target) + (profileId == null ? "" : " profile=" + profileId);
    }
}
