package io.sillage.jobs.automation;

import io.sillage.jobs.common.CompactSerializer;
import io.sillage.jobs.common.CompactTypeInfo;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link ActivationRequest} between operators (the automation job's send gate, the activation job's parser and send
 * decision) and in the send decision's state while it waits for a profile (format 1: the fields in declaration
 * order). It carries the entry event's properties, which Flink's POJO serializer read a byte at a time.
 */
public final class ActivationRequestSerializer extends CompactSerializer<ActivationRequest> {
    private static final long serialVersionUID = 1;
    public static final ActivationRequestSerializer INSTANCE = new ActivationRequestSerializer();

    @Override
    public ActivationRequest createInstance() {
        return new ActivationRequest();
    }

    @Override
    protected void write(ActivationRequest request, DataOutputView out) throws IOException {
        out.writeByte(1);
        writeString(request.idempotencyKey, out);
        writeString(request.projectId, out);
        writeString(request.automationId, out);
        out.writeInt(request.automationVersion);
        writeString(request.instanceId, out);
        writeString(request.profileId, out);
        writeString(request.identifier, out);
        writeString(request.channel, out);
        writeString(request.template, out);
        writeString(request.variant, out);
        writeString(request.audience, out);
        writeString(request.entryEvent, out);
        writeString(request.entryMessageId, out);
        writeString(request.entryProperties, out);
        out.writeLong(request.deadlineMillis);
        out.writeLong(request.firedAtMillis);
    }

    @Override
    protected ActivationRequest read(DataInputView in) throws IOException {
        format(in, 1, "activation request");
        ActivationRequest request = new ActivationRequest();
        request.idempotencyKey = readString(in);
        request.projectId = readString(in);
        request.automationId = readString(in);
        request.automationVersion = in.readInt();
        request.instanceId = readString(in);
        request.profileId = readString(in);
        request.identifier = readString(in);
        request.channel = readString(in);
        request.template = readString(in);
        request.variant = readString(in);
        request.audience = readString(in);
        request.entryEvent = readString(in);
        request.entryMessageId = readString(in);
        request.entryProperties = readString(in);
        request.deadlineMillis = in.readLong();
        request.firedAtMillis = in.readLong();
        return request;
    }

    @Override
    public Snapshot snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends CompactSerializer.Snapshot<ActivationRequest> {
        public Snapshot() {
            super(ActivationRequestSerializer::new);
        }
    }

    public static final class Factory extends CompactTypeInfo.Factory<ActivationRequest> {
        public Factory() {
            super(ActivationRequest.class, INSTANCE);
        }
    }
}
