package io.sillage.jobs.collect;

import io.sillage.jobs.common.CompactSerializer;
import io.sillage.jobs.common.CompactTypeInfo;
import io.sillage.lakehouse.event.CollectedEvent;
import java.io.IOException;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link CollectedEvent} between parsing and dedup, the exchange every accepted event crosses (format 1: the record's
 * components in declaration order). The record lives in the lakehouse module, which knows nothing of Flink, so it
 * cannot name its serializer in an annotation: the streams name {@link #TYPE_INFO} instead. No state holds the type.
 */
public final class CollectedEventSerializer extends CompactSerializer<CollectedEvent> {
    private static final long serialVersionUID = 1;
    public static final CollectedEventSerializer INSTANCE = new CollectedEventSerializer();
    public static final CompactTypeInfo<CollectedEvent> TYPE_INFO = new CompactTypeInfo<>(CollectedEvent.class, INSTANCE);

    @Override
    public CollectedEvent createInstance() {
        return new CollectedEvent(null, null, null, null, null, null, null, null, null, null,
                CollectedEvent.ABSENT_TIME, CollectedEvent.ABSENT_TIME, CollectedEvent.ABSENT_TIME, CollectedEvent.ABSENT_TIME, null, null, null);
    }

    @Override
    protected void write(CollectedEvent event, DataOutputView out) throws IOException {
        out.writeByte(1);
        writeString(event.projectId(), out);
        writeString(event.source(), out);
        writeString(event.messageId(), out);
        writeString(event.type(), out);
        writeString(event.event(), out);
        writeString(event.name(), out);
        writeString(event.anonymousId(), out);
        writeString(event.userId(), out);
        writeString(event.groupId(), out);
        writeString(event.previousId(), out);
        out.writeLong(event.timestampMicros());
        out.writeLong(event.originalTimestampMicros());
        out.writeLong(event.sentAtMicros());
        out.writeLong(event.receivedAtMicros());
        writeString(event.properties(), out);
        writeString(event.traits(), out);
        writeString(event.context(), out);
    }

    @Override
    protected CollectedEvent read(DataInputView in) throws IOException {
        format(in, 1, "collected event");
        return new CollectedEvent(readString(in), readString(in), readString(in), readString(in), readString(in),
                readString(in), readString(in), readString(in), readString(in), readString(in),
                in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                readString(in), readString(in), readString(in));
    }

    @Override
    public Snapshot snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends CompactSerializer.Snapshot<CollectedEvent> {
        public Snapshot() {
            super(CollectedEventSerializer::new);
        }
    }
}
