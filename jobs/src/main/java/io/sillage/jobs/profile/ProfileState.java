package io.sillage.jobs.profile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * Everything Sillage knows about one profile, kept in Flink keyed state (keyed by project and profile id) and
 * written out as a snapshot after changes. Public fields; Flink reads and writes it with
 * {@link ProfileStateSerializer}, which must follow any field added here.
 *
 * <p>A profile that was merged keeps only {@link #mergedInto}: events that still reach it are sent on.
 */
@TypeInfo(ProfileStateSerializer.Factory.class)
public class ProfileState {
    public String projectId;
    public String profileId;
    /** Event time of the event that created the profile (micros). */
    public long createdAtMicros;
    /** The profile this one was merged into, or null while it is alive. */
    public String mergedInto;
    /** The profile this one offered itself to and whose answer it waits for; messages wait meanwhile. */
    public String pendingOffer;
    /** {@code type:value}, in the order they were linked. */
    public List<String> identifiers = new ArrayList<>();
    public Map<String, TraitValue> traits = new LinkedHashMap<>();
    /** Keyed by {@link Subscription#key()}. */
    public Map<String, Subscription> subscriptions = new LinkedHashMap<>();
    public long firstSeenMicros = Long.MAX_VALUE;
    public long lastSeenMicros = Long.MIN_VALUE;
    public long eventCount;
    public long orderCount;
    public double revenue;
    public long lastOrderMicros = Long.MIN_VALUE;
    /** Profiles folded into this one, oldest first, including their own history. */
    public List<MergeEntry> merges = new ArrayList<>();
    /** Message ids of events forwarded here from merged profiles (bounded), to ignore feedback duplicates. */
    public List<String> recentForwarded = new ArrayList<>();
    /** Incremented on every change; the serving store keeps the highest. */
    public long version;

    public ProfileState() {}

    public static ProfileState create(String projectId, String profileId, long createdAtMicros) {
        ProfileState state = new ProfileState();
        state.projectId = projectId;
        state.profileId = profileId;
        state.createdAtMicros = createdAtMicros;
        return state;
    }

    public boolean alive() {
        return mergedInto == null;
    }

    public long count(String type) {
        String prefix = type + ':';
        return identifiers.stream().filter(identifier -> identifier.startsWith(prefix)).count();
    }

    /** A trait value (JSON text) with when it was set and by what, for last-write-wins by event time. */
    public static class TraitValue {
        public String value;
        public long setAtMicros;
        public String source;
        public String messageId;

        public TraitValue() {}

        public TraitValue(String value, long setAtMicros, String source, String messageId) {
            this.value = value;
            this.setAtMicros = setAtMicros;
            this.source = source;
            this.messageId = messageId;
        }

        /** True when this write wins over {@code other}: later event time, then larger messageId. */
        public boolean newerThan(TraitValue other) {
            return other == null || setAtMicros > other.setAtMicros
                    || (setAtMicros == other.setAtMicros && compare(messageId, other.messageId) > 0);
        }
    }

    /** A channel or topic subscription with its consent evidence. */
    public static class Subscription {
        public String channel;
        /** Null for the channel itself, else a topic such as {@code newsletter}. */
        public String topic;
        /** For push: the app installation ({@code context.device.id}). */
        public String installationId;
        /** {@code opted_in}, {@code subscribed} or {@code unsubscribed}; {@code bounced} or {@code suppressed} block the channel. */
        public String status;
        public long changedAtMicros;
        public String source;
        public String messageId;

        public Subscription() {}

        public Subscription(String channel, String topic, String installationId, String status, long changedAtMicros, String source, String messageId) {
            this.channel = channel;
            this.topic = topic;
            this.installationId = installationId;
            this.status = status;
            this.changedAtMicros = changedAtMicros;
            this.source = source;
            this.messageId = messageId;
        }

        public String key() {
            return channel + (installationId == null ? "" : ":" + installationId) + (topic == null ? "" : "/" + topic);
        }

        public boolean newerThan(Subscription other) {
            return other == null || changedAtMicros > other.changedAtMicros
                    || (changedAtMicros == other.changedAtMicros && compare(messageId, other.messageId) > 0);
        }
    }

    /** One profile folded into this one. */
    public static class MergeEntry {
        public String fromProfileId;
        public String intoProfileId;
        /** The identifier both profiles held ({@code type:value}). */
        public String identifier;
        public String messageId;
        public long eventTimeMicros;

        public MergeEntry() {}

        public MergeEntry(String fromProfileId, String intoProfileId, String identifier, String messageId, long eventTimeMicros) {
            this.fromProfileId = fromProfileId;
            this.intoProfileId = intoProfileId;
            this.identifier = identifier;
            this.messageId = messageId;
            this.eventTimeMicros = eventTimeMicros;
        }
    }

    private static int compare(String a, String b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        return a.compareTo(b);
    }
}
