package io.sillage.jobs.profile;

import java.util.function.Consumer;

/**
 * The identifier side of stitching: for one identifier (the key), which profile holds it.
 *
 * <ul>
 *   <li>ROUTE: an event whose most trusted identifier is this one goes to its profile, created when the
 *       identifier is new (id from {@link ProfileIds}).</li>
 *   <li>CLAIM: a profile linked this identifier. Unowned: it is now that profile's. Owned by another profile:
 *       the two must merge, so a LINK goes to the later created of the two.</li>
 *   <li>REPOINT: the owner was merged into an earlier profile; point there to skip the hop next time.</li>
 * </ul>
 */
public final class IdentifierDirectory {
    private IdentifierDirectory() {}

    /** Handles {@code message} for the identifier it targets and returns the identifier's owner afterwards. */
    public static String handle(String owner, StitchMessage message, Consumer<StitchMessage> toProfiles) {
        switch (message.kind) {
            case ROUTE -> {
                String profile = owner != null ? owner : ProfileIds.create(message.projectId, message.target, message.event.timestampMicros);
                toProfiles.accept(StitchMessage.apply(message.projectId, profile, message.target, message.identifiers, message.event, false));
                return profile;
            }
            case CLAIM -> {
                if (owner == null || owner.equals(message.profileId)) {
                    return message.profileId;
                }
                toProfiles.accept(StitchMessage.link(message.projectId, owner, message.profileId, message.target, message.profileId,
                        message.messageId, message.eventTimeMicros));
                return owner;
            }
            case REPOINT -> {
                return owner == null || ProfileIds.precedes(message.profileId, owner) ? message.profileId : owner;
            }
            default -> throw new IllegalArgumentException("Not a message for an identifier: " + message.kind);
        }
    }
}
