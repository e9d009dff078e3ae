package io.sillage.jobs.profile;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * An event as applied to its live profile, with what automations need to decide at once: the profile id and the
 * ids merged into it (so that a cancel event reaches instances that entered under an absorbed id), and the
 * profile's consent and reachability right after the event (so that a send without a wait sees a subscription
 * given by the very event that triggered it). Written by {@link AttributedEventSerializer}.
 */
@TypeInfo(AttributedEventSerializer.Factory.class)
public class AttributedEvent {
    public String projectId;
    public String profileId;
    /** Profiles merged into this one, directly or not. */
    public List<String> aliases = new ArrayList<>();
    /** The identifier the event was routed by ({@code type:value}). */
    public String identifier;
    public ProfileEvent event;
    /** Profile version after the event. */
    public long profileVersion;
    /** {@code channel=status} pairs (best status over installations and topics excluded), comma separated. */
    public String consent;
    /** Channels with an address: email (email identifier or trait), sms (phone), push and web_push (an installation). */
    public String reach;
    /** Trait {@code timezone}, when set. */
    public String timezone;

    public AttributedEvent() {}

    public static AttributedEvent of(ProfileState state, String identifier, ProfileEvent event) {
        AttributedEvent attributed = new AttributedEvent();
        attributed.projectId = state.projectId;
        attributed.profileId = state.profileId;
        for (ProfileState.MergeEntry merge : state.merges) {
            attributed.aliases.add(merge.fromProfileId);
        }
        attributed.identifier = identifier;
        attributed.event = event;
        attributed.profileVersion = state.version;
        attributed.consent = ProfileFacts.consent(state);
        attributed.reach = ProfileFacts.reach(state);
        ProfileState.TraitValue timezone = state.traits.get("timezone");
        attributed.timezone = timezone == null || timezone.value == null ? null : ProfileFacts.unquote(timezone.value);
        return attributed;
    }
}
