package io.sillage.jobs.messaging;

import io.sillage.jobs.common.CompactSerializer;
import io.sillage.jobs.common.CompactTypeInfo;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link Delivery} between the activation job's operators and in the state of {@link DeliveryOutcomes} (format 1:
 * the fields in declaration order). A delivery carries the profile and event documents it will be rendered with
 * across three exchanges (send decision, destination dedup, pressure cap, rendering): Flink's POJO serializer read
 * them a byte at a time, a third of those operators' CPU in the messaging benchmark.
 */
public final class DeliverySerializer extends CompactSerializer<Delivery> {
    private static final long serialVersionUID = 1;
    public static final DeliverySerializer INSTANCE = new DeliverySerializer();

    @Override
    public Delivery createInstance() {
        return new Delivery();
    }

    @Override
    protected void write(Delivery delivery, DataOutputView out) throws IOException {
        out.writeByte(1);
        writeString(delivery.messageId, out);
        writeString(delivery.idempotencyKey, out);
        writeString(delivery.projectId, out);
        writeString(delivery.profileId, out);
        writeString(delivery.channel, out);
        writeString(delivery.audience, out);
        writeString(delivery.sourceType, out);
        writeString(delivery.sourceId, out);
        out.writeInt(delivery.sourceVersion);
        writeString(delivery.variant, out);
        writeString(delivery.templateId, out);
        out.writeInt(delivery.templateVersion);
        writeString(delivery.destination, out);
        writeString(delivery.destinationHash, out);
        writeString(delivery.profile, out);
        writeString(delivery.eventProperties, out);
        writeStringMap(delivery.parts, out);
        writeStringMap(delivery.headers, out);
        out.writeInt(delivery.attempt);
        writeString(delivery.connector, out);
        out.writeInt(delivery.connectorVersion);
        out.writeLong(delivery.queuedAtMillis);
    }

    @Override
    protected Delivery read(DataInputView in) throws IOException {
        format(in, 1, "delivery");
        Delivery delivery = new Delivery();
        delivery.messageId = readString(in);
        delivery.idempotencyKey = readString(in);
        delivery.projectId = readString(in);
        delivery.profileId = readString(in);
        delivery.channel = readString(in);
        delivery.audience = readString(in);
        delivery.sourceType = readString(in);
        delivery.sourceId = readString(in);
        delivery.sourceVersion = in.readInt();
        delivery.variant = readString(in);
        delivery.templateId = readString(in);
        delivery.templateVersion = in.readInt();
        delivery.destination = readString(in);
        delivery.destinationHash = readString(in);
        delivery.profile = readString(in);
        delivery.eventProperties = readString(in);
        delivery.parts = readStringMap(in);
        delivery.headers = readStringMap(in);
        delivery.attempt = in.readInt();
        delivery.connector = readString(in);
        delivery.connectorVersion = in.readInt();
        delivery.queuedAtMillis = in.readLong();
        return delivery;
    }

    @Override
    public Snapshot snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends CompactSerializer.Snapshot<Delivery> {
        public Snapshot() {
            super(DeliverySerializer::new);
        }
    }

    public static final class Factory extends CompactTypeInfo.Factory<Delivery> {
        public Factory() {
            super(Delivery.class, INSTANCE);
        }
    }
}
