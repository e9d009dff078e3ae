package io.sillage.jobs.profile;

import io.sillage.jobs.common.CompactSerializer;
import io.sillage.jobs.common.CompactTypeInfo;
import java.io.IOException;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link AttributedEvent} from the profiles to the automation router, one per applied event (format 1: the fields in
 * declaration order, the event as {@link ProfileEventSerializer} writes its fields). No state holds the type.
 */
public final class AttributedEventSerializer extends CompactSerializer<AttributedEvent> {
    private static final long serialVersionUID = 1;
    public static final AttributedEventSerializer INSTANCE = new AttributedEventSerializer();

    @Override
    public AttributedEvent createInstance() {
        return new AttributedEvent();
    }

    @Override
    protected void write(AttributedEvent value, DataOutputView out) throws IOException {
        out.writeByte(1);
        writeString(value.projectId, out);
        writeString(value.profileId, out);
        writeStrings(value.aliases, out);
        writeString(value.identifier, out);
        out.writeBoolean(value.event != null);
        if (value.event != null) {
            ProfileEventSerializer.writeFields(value.event, out);
        }
        out.writeLong(value.profileVersion);
        writeString(value.consent, out);
        writeString(value.reach, out);
        writeString(value.timezone, out);
    }

    @Override
    protected AttributedEvent read(DataInputView in) throws IOException {
        format(in, 1, "attributed event");
        AttributedEvent value = new AttributedEvent();
        value.projectId = readString(in);
        value.profileId = readString(in);
        value.aliases = readStrings(in);
        value.identifier = readString(in);
        value.event = in.readBoolean() ? ProfileEventSerializer.readFields(in) : null;
        value.profileVersion = in.readLong();
        value.consent = readString(in);
        value.reach = readString(in);
        value.timezone = readString(in);
        return value;
    }

    @Override
    public Snapshot snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends CompactSerializer.Snapshot<AttributedEvent> {
        public Snapshot() {
            super(AttributedEventSerializer::new);
        }
    }

    public static final class Factory extends CompactTypeInfo.Factory<AttributedEvent> {
        public Factory() {
            super(AttributedEvent.class, INSTANCE);
        }
    }
}
