package io.sillage.jobs.profile;

import io.sillage.jobs.common.CompactSerializer;
import io.sillage.jobs.common.CompactTypeInfo;
import java.io.IOException;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link ProfileEvent} in checkpoints and between operators (format 1: the fields in declaration order). */
public final class ProfileEventSerializer extends CompactSerializer<ProfileEvent> {
    private static final long serialVersionUID = 1;
    public static final ProfileEventSerializer INSTANCE = new ProfileEventSerializer();

    @Override
    public ProfileEvent createInstance() {
        return new ProfileEvent();
    }

    @Override
    protected void write(ProfileEvent event, DataOutputView out) throws IOException {
        out.writeByte(1);
        writeFields(event, out);
    }

    @Override
    protected ProfileEvent read(DataInputView in) throws IOException {
        format(in, 1, "profile event");
        return readFields(in);
    }

    static void writeFields(ProfileEvent event, DataOutputView out) throws IOException {
        writeString(event.messageId, out);
        writeString(event.type, out);
        writeString(event.event, out);
        writeString(event.source, out);
        out.writeLong(event.timestampMicros);
        writeString(event.traits, out);
        writeString(event.properties, out);
        writeString(event.deviceId, out);
    }

    static ProfileEvent readFields(DataInputView in) throws IOException {
        ProfileEvent event = new ProfileEvent();
        event.messageId = readString(in);
        event.type = readString(in);
        event.event = readString(in);
        event.source = readString(in);
        event.timestampMicros = in.readLong();
        event.traits = readString(in);
        event.properties = readString(in);
        event.deviceId = readString(in);
        return event;
    }

    @Override
    public Snapshot snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends CompactSerializer.Snapshot<ProfileEvent> {
        public Snapshot() {
            super(ProfileEventSerializer::new);
        }
    }

    public static final class Factory extends CompactTypeInfo.Factory<ProfileEvent> {
        public Factory() {
            super(ProfileEvent.class, INSTANCE);
        }
    }
}
