package io.sillage.jobs.profile;

import io.sillage.jobs.common.CompactSerializer;
import io.sillage.jobs.common.CompactTypeInfo;
import java.io.IOException;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link StitchMessage} between the stitching operators (every event crosses two exchanges as one) and in the
 * profile's list of messages held during a merge offer. Format 1.
 */
public final class StitchMessageSerializer extends CompactSerializer<StitchMessage> {
    private static final long serialVersionUID = 1;
    public static final StitchMessageSerializer INSTANCE = new StitchMessageSerializer();
    private static final StitchMessage.Kind[] KINDS = StitchMessage.Kind.values();

    @Override
    public StitchMessage createInstance() {
        return new StitchMessage();
    }

    @Override
    protected void write(StitchMessage message, DataOutputView out) throws IOException {
        out.writeByte(1);
        out.writeByte(message.kind == null ? -1 : message.kind.ordinal());
        writeString(message.projectId, out);
        writeString(message.target, out);
        writeString(message.profileId, out);
        writeString(message.identifier, out);
        writeString(message.claimant, out);
        writeString(message.messageId, out);
        out.writeLong(message.eventTimeMicros);
        writeStrings(message.identifiers, out);
        out.writeBoolean(message.event != null);
        if (message.event != null) {
            ProfileEventSerializer.writeFields(message.event, out);
        }
        writeString(message.state, out);
        writeString(message.reason, out);
        out.writeBoolean(message.forwarded);
    }

    @Override
    protected StitchMessage read(DataInputView in) throws IOException {
        format(in, 1, "stitch message");
        StitchMessage message = new StitchMessage();
        int kind = in.readByte();
        message.kind = kind < 0 ? null : KINDS[kind];
        message.projectId = readString(in);
        message.target = readString(in);
        message.profileId = readString(in);
        message.identifier = readString(in);
        message.claimant = readString(in);
        message.messageId = readString(in);
        message.eventTimeMicros = in.readLong();
        message.identifiers = readStrings(in);
        if (in.readBoolean()) {
            message.event = ProfileEventSerializer.readFields(in);
        }
        message.state = readString(in);
        message.reason = readString(in);
        message.forwarded = in.readBoolean();
        return message;
    }

    @Override
    public Snapshot snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends CompactSerializer.Snapshot<StitchMessage> {
        public Snapshot() {
            super(StitchMessageSerializer::new);
        }
    }

    public static final class Factory extends CompactTypeInfo.Factory<StitchMessage> {
        public Factory() {
            super(StitchMessage.class, INSTANCE);
        }
    }
}
