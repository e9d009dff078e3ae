package io.sillage.jobs.profile;

import io.sillage.jobs.common.CompactSerializer;
import io.sillage.jobs.common.CompactTypeInfo;
import io.sillage.jobs.profile.ProfileState.MergeEntry;
import io.sillage.jobs.profile.ProfileState.Subscription;
import io.sillage.jobs.profile.ProfileState.TraitValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link ProfileState} in keyed state, read and written on every event of the profile. Format 1: the scalar
 * fields, then each collection as a count and its elements; maps keep their order.
 */
public final class ProfileStateSerializer extends CompactSerializer<ProfileState> {
    private static final long serialVersionUID = 1;
    public static final ProfileStateSerializer INSTANCE = new ProfileStateSerializer();

    @Override
    public ProfileState createInstance() {
        return new ProfileState();
    }

    @Override
    protected void write(ProfileState state, DataOutputView out) throws IOException {
        out.writeByte(1);
        writeString(state.projectId, out);
        writeString(state.profileId, out);
        out.writeLong(state.createdAtMicros);
        writeString(state.mergedInto, out);
        writeString(state.pendingOffer, out);
        writeStrings(state.identifiers, out);
        writeVarInt(size(state.traits), out);
        if (state.traits != null) {
            for (Map.Entry<String, TraitValue> trait : state.traits.entrySet()) {
                TraitValue value = trait.getValue();
                writeString(trait.getKey(), out);
                writeString(value.value, out);
                out.writeLong(value.setAtMicros);
                writeString(value.source, out);
                writeString(value.messageId, out);
            }
        }
        writeVarInt(size(state.subscriptions), out);
        if (state.subscriptions != null) {
            for (Map.Entry<String, Subscription> entry : state.subscriptions.entrySet()) {
                Subscription subscription = entry.getValue();
                writeString(entry.getKey(), out);
                writeString(subscription.channel, out);
                writeString(subscription.topic, out);
                writeString(subscription.installationId, out);
                writeString(subscription.status, out);
                out.writeLong(subscription.changedAtMicros);
                writeString(subscription.source, out);
                writeString(subscription.messageId, out);
            }
        }
        out.writeLong(state.firstSeenMicros);
        out.writeLong(state.lastSeenMicros);
        out.writeLong(state.eventCount);
        out.writeLong(state.orderCount);
        out.writeDouble(state.revenue);
        out.writeLong(state.lastOrderMicros);
        writeVarInt(state.merges == null ? 0 : state.merges.size(), out);
        if (state.merges != null) {
            for (MergeEntry merge : state.merges) {
                writeString(merge.fromProfileId, out);
                writeString(merge.intoProfileId, out);
                writeString(merge.identifier, out);
                writeString(merge.messageId, out);
                out.writeLong(merge.eventTimeMicros);
            }
        }
        writeStrings(state.recentForwarded, out);
        out.writeLong(state.version);
    }

    @Override
    protected ProfileState read(DataInputView in) throws IOException {
        format(in, 1, "profile state");
        ProfileState state = new ProfileState();
        state.projectId = readString(in);
        state.profileId = readString(in);
        state.createdAtMicros = in.readLong();
        state.mergedInto = readString(in);
        state.pendingOffer = readString(in);
        state.identifiers = readStrings(in);
        int traits = readVarInt(in);
        state.traits = new LinkedHashMap<>(capacity(traits));
        for (int i = 0; i < traits; i++) {
            String name = readString(in);
            state.traits.put(name, new TraitValue(readString(in), in.readLong(), readString(in), readString(in)));
        }
        int subscriptions = readVarInt(in);
        state.subscriptions = new LinkedHashMap<>(capacity(subscriptions));
        for (int i = 0; i < subscriptions; i++) {
            String key = readString(in);
            state.subscriptions.put(key, new Subscription(readString(in), readString(in), readString(in), readString(in),
                    in.readLong(), readString(in), readString(in)));
        }
        state.firstSeenMicros = in.readLong();
        state.lastSeenMicros = in.readLong();
        state.eventCount = in.readLong();
        state.orderCount = in.readLong();
        state.revenue = in.readDouble();
        state.lastOrderMicros = in.readLong();
        int merges = readVarInt(in);
        state.merges = new ArrayList<>(merges);
        for (int i = 0; i < merges; i++) {
            state.merges.add(new MergeEntry(readString(in), readString(in), readString(in), readString(in), in.readLong()));
        }
        state.recentForwarded = readStrings(in);
        state.version = in.readLong();
        return state;
    }

    private static int size(Map<?, ?> map) {
        return map == null ? 0 : map.size();
    }

    private static int capacity(int entries) {
        return Math.max(4, entries * 4 / 3 + 1);
    }

    @Override
    public Snapshot snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends CompactSerializer.Snapshot<ProfileState> {
        public Snapshot() {
            super(ProfileStateSerializer::new);
        }
    }

    public static final class Factory extends CompactTypeInfo.Factory<ProfileState> {
        public Factory() {
            super(ProfileState.class, INSTANCE);
        }
    }
}
