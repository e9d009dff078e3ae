package io.sillage.jobs.profile;

import io.sillage.lakehouse.identity.ProjectIdentityRules;
import io.sillage.jobs.profile.ProfileState.MergeEntry;
import io.sillage.jobs.profile.StitchMessage.Kind;
import io.sillage.lakehouse.identity.IdentityRules;

import java.io.Serializable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * The profile side of stitching (keyed by project and profile id): applies events, links identifiers, and runs
 * the merge protocol. The algorithm and its guarantees are in {@code docs/identity.md}; in short:
 *
 * <ul>
 *   <li>A merge always goes from the later created profile into the earlier one (smaller {@link ProfileIds id}),
 *       so merged profiles form trees whose roots are the live profiles, and there are no cycles.</li>
 *   <li>The later profile OFFERs itself with its identifiers; the earlier profile, if still alive, checks the
 *       limits on the union and ACCEPTs (reserving the identifiers) or REFUSEs. After an ACCEPT the offering
 *       profile hands its state over (ABSORB) and becomes a pointer.</li>
 *   <li>While a profile waits for the answer to its offer, events and link messages for it wait in a list, so
 *       the identifiers it offered are exactly those the survivor checked.</li>
 *   <li>Messages that reach a merged profile are sent on to the profile it was merged into.</li>
 * </ul>
 *
 * <p>Handlers are idempotent where the feedback topic can deliver twice after a restart: duplicate ABSORBs and
 * forwarded events are recognized, CLAIM and REPOINT converge.
 */
public final class ProfileLogic implements Serializable {
    private static final long serialVersionUID = 1;
    static final int RECENT_FORWARDED = 64;

    private final ProjectIdentityRules rules;

    public ProfileLogic(ProjectIdentityRules rules) {
        this.rules = requireNonNull(rules, "rules is null");
    }

    /** Where messages and decisions go. */
    public interface Output {
        /** A message to an identifier or another profile (through the feedback topic). */
        void send(StitchMessage message);

        void decide(MergeDecision decision);

        /** {@code message}'s event was applied to live profile {@code state} (once per event, duplicates skipped). */
        default void applied(ProfileState state, StitchMessage message) {}
    }

    /** Messages held while the profile waits for the answer to its offer. */
    public interface Waiting {
        void add(StitchMessage message);

        /** Removes and returns everything held, oldest first. */
        List<StitchMessage> drain();
    }

    /** Handles {@code message} for profile {@code message.target} and returns the state to keep. */
    public ProfileState handle(ProfileState current, StitchMessage message, Waiting waiting, Output out) {
        ProfileState state = current != null ? current : ProfileState.create(message.projectId, message.target, Long.MAX_VALUE);
        if (!state.alive()) {
            forward(state, message, out);
            return state;
        }
        if (state.pendingOffer != null && (message.kind == Kind.APPLY || message.kind == Kind.LINK || message.kind == Kind.OFFER || message.kind == Kind.DROP)) {
            waiting.add(message);
            return state;
        }
        return switch (message.kind) {
            case APPLY -> apply(state, message, out);
            case LINK -> link(state, message, out);
            case OFFER -> offer(state, message, out);
            case ACCEPT -> accepted(state, message, waiting, out);
            case REFUSE -> refused(state, message, waiting, out);
            case ABSORB -> absorb(state, message);
            case DROP -> drop(state, message.identifier);
            default -> throw new IllegalArgumentException("Not a message for a profile: " + message.kind);
        };
    }

    private ProfileState apply(ProfileState state, StitchMessage message, Output out) {
        ProfileEvent event = message.event;
        if (message.forwarded) {
            if (state.recentForwarded.contains(event.messageId)) {
                return state;
            }
            state.recentForwarded.add(event.messageId);
            if (state.recentForwarded.size() > RECENT_FORWARDED) {
                state.recentForwarded.remove(0);
            }
        }
        if (state.createdAtMicros == Long.MAX_VALUE) {
            state.createdAtMicros = event.timestampMicros;
        }
        ProfileUpdates.apply(state, event);
        out.applied(state, message);
        IdentityRules projectRules = rules.rules(state.projectId);
        for (String identifier : message.identifiers) {
            if (state.identifiers.contains(identifier)) {
                continue;
            }
            if (identifier.equals(message.identifier)) {
                // the anchor: the directory already sent this event here because the identifier is ours
                state.identifiers.add(identifier);
                continue;
            }
            String type = identifier.substring(0, identifier.indexOf(':'));
            Integer limit = projectRules.maxPerProfile().get(type);
            if (limit != null && state.count(type) >= limit) {
                out.decide(new MergeDecision(state.projectId, null, state.profileId, MergeDecision.REFUSED,
                        limitRule(type, limit), identifier, event.messageId, event.timestampMicros));
                continue;
            }
            state.identifiers.add(identifier);
            out.send(StitchMessage.claim(state.projectId, identifier, state.profileId, event));
        }
        return state;
    }

    private ProfileState link(ProfileState state, StitchMessage message, Output out) {
        String earlier = message.profileId;
        if (earlier.equals(state.profileId)) {
            return state;
        }
        if (ProfileIds.precedes(state.profileId, earlier)) {
            // reached the earlier one after a hop: the later one offers itself
            out.send(StitchMessage.link(state.projectId, state.profileId, earlier, message.identifier, message.claimant, message.messageId, message.eventTimeMicros));
            return state;
        }
        state.pendingOffer = earlier;
        out.send(message.offer(state.profileId, earlier, state.identifiers));
        return state;
    }

    private ProfileState offer(ProfileState state, StitchMessage offer, Output out) {
        String from = offer.profileId;
        if (from.equals(state.profileId)) {
            return state;
        }
        Set<String> union = new LinkedHashSet<>(state.identifiers);
        union.addAll(offer.identifiers);
        IdentityRules projectRules = rules.rules(state.projectId);
        for (Map.Entry<String, Integer> limit : projectRules.maxPerProfile().entrySet()) {
            String prefix = limit.getKey() + ':';
            long count = union.stream().filter(identifier -> identifier.startsWith(prefix)).count();
            if (count > limit.getValue()) {
                String rule = limitRule(limit.getKey(), limit.getValue());
                out.send(StitchMessage.refuse(state.projectId, from, state.profileId, offer, rule));
                out.decide(new MergeDecision(state.projectId, from, state.profileId, MergeDecision.REFUSED, rule, offer.identifier, offer.messageId, offer.eventTimeMicros));
                if (state.profileId.equals(offer.claimant)) {
                    return drop(state, offer.identifier);
                }
                if (offer.claimant != null && !offer.claimant.equals(from)) {
                    out.send(StitchMessage.drop(state.projectId, offer.claimant, offer.identifier));
                }
                return state;
            }
        }
        if (union.size() > state.identifiers.size()) {
            state.identifiers.clear();
            state.identifiers.addAll(union);
            state.version++;
        }
        out.send(StitchMessage.accept(state.projectId, from, state.profileId, offer));
        out.decide(new MergeDecision(state.projectId, from, state.profileId, MergeDecision.MERGED,
                "shared identifier", offer.identifier, offer.messageId, offer.eventTimeMicros));
        return state;
    }

    private ProfileState accepted(ProfileState state, StitchMessage accept, Waiting waiting, Output out) {
        String root = accept.profileId;
        if (root.equals(state.profileId)) {
            return state;
        }
        ProfileState tombstone = ProfileState.create(state.projectId, state.profileId, state.createdAtMicros);
        tombstone.mergedInto = root;
        tombstone.version = state.version + 1;
        out.send(StitchMessage.absorb(state.projectId, root, state.profileId, state, accept));
        return release(tombstone, waiting, out);
    }

    private ProfileState refused(ProfileState state, StitchMessage refuse, Waiting waiting, Output out) {
        if (state.pendingOffer == null) {
            return state;
        }
        state.pendingOffer = null;
        if (state.profileId.equals(refuse.claimant)) {
            state = drop(state, refuse.identifier);
        }
        return release(state, waiting, out);
    }

    private ProfileState absorb(ProfileState state, StitchMessage absorb) {
        String from = absorb.profileId;
        if (state.merges.stream().anyMatch(entry -> entry.fromProfileId.equals(from))) {
            return state;
        }
        ProfileUpdates.absorb(state, FeedbackSerde.stateFromJson(absorb.state), new MergeEntry(from, state.profileId, absorb.identifier, absorb.messageId, absorb.eventTimeMicros));
        return state;
    }

    private static ProfileState drop(ProfileState state, String identifier) {
        if (state.identifiers.remove(identifier)) {
            state.version++;
        }
        return state;
    }

    private ProfileState release(ProfileState state, Waiting waiting, Output out) {
        state.pendingOffer = null;
        for (StitchMessage held : waiting.drain()) {
            state = handle(state, held, waiting, out);
        }
        return state;
    }

    /** A merged profile sends everything on to the profile it was merged into. */
    private static void forward(ProfileState state, StitchMessage message, Output out) {
        String parent = state.mergedInto;
        switch (message.kind) {
            case APPLY -> {
                StitchMessage forwarded = message.retarget(parent);
                forwarded.forwarded = true;
                out.send(forwarded);
                out.send(StitchMessage.repoint(state.projectId, message.identifier, parent));
            }
            case LINK, ACCEPT -> {
                if (!parent.equals(message.profileId)) {
                    out.send(StitchMessage.link(state.projectId, parent, message.profileId, message.identifier, message.claimant, message.messageId, message.eventTimeMicros));
                }
            }
            case OFFER, ABSORB, DROP -> out.send(message.retarget(parent));
            case REFUSE -> { } // an answer to an offer this profile no longer waits for
            default -> throw new IllegalArgumentException("Not a message for a profile: " + message.kind);
        }
    }

    private static String limitRule(String type, int limit) {
        return "at most " + limit + " " + type + " per profile";
    }
}
