package io.sillage.jobs.messaging;

import io.sillage.jobs.collect.EventRows;
import io.sillage.lakehouse.table.CdpTables;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

/**
 * One status change of a message: a row of {@code cdp.messages}. The rows of a message id are its timeline
 * (queued, then suppressed, failed, sent or dead_letter, with retrying rows in between). A Flink POJO.
 */
public class Message {
    public static final String QUEUED = "queued";
    public static final String SUPPRESSED = "suppressed";
    public static final String FAILED = "failed";
    public static final String RETRYING = "retrying";
    public static final String SENT = "sent";
    public static final String DEAD_LETTER = "dead_letter";

    public String projectId;
    public String messageId;
    public String idempotencyKey;
    public String profileId;
    public String channel;
    public String sourceType;
    public String sourceId;
    public int sourceVersion;
    public String variant;
    public String templateId;
    /** 0 when unknown. */
    public int templateVersion;
    public String audience;
    public String status;
    public String reason;
    /** 0 when the row is not about an attempt. */
    public int attempt;
    public String destinationHash;
    public String providerMessageId;
    public long occurredAtMillis;

    public Message() {}

    public static Message of(Delivery delivery, String status, String reason, long occurredAtMillis) {
        Message message = new Message();
        message.projectId = delivery.projectId;
        message.messageId = delivery.messageId;
        message.idempotencyKey = delivery.idempotencyKey;
        message.profileId = delivery.profileId;
        message.channel = delivery.channel;
        message.sourceType = delivery.sourceType;
        message.sourceId = delivery.sourceId;
        message.sourceVersion = delivery.sourceVersion;
        message.variant = delivery.variant;
        message.templateId = delivery.templateId;
        message.templateVersion = delivery.templateVersion;
        message.audience = delivery.audience;
        message.status = status;
        message.reason = reason;
        message.destinationHash = delivery.destinationHash;
        message.occurredAtMillis = occurredAtMillis;
        return message;
    }

    public Message attempt(int number) {
        attempt = number;
        return this;
    }

    public Message providerMessageId(String id) {
        providerMessageId = id;
        return this;
    }

    /** The row in {@link CdpTables#MESSAGES_SCHEMA} order. */
    public RowData toRow() {
        GenericRowData row = new GenericRowData(CdpTables.MESSAGES_SCHEMA.columns().size());
        row.setField(0, text(projectId));
        row.setField(1, text(messageId));
        row.setField(2, text(idempotencyKey));
        row.setField(3, text(profileId));
        row.setField(4, text(channel));
        row.setField(5, text(sourceType));
        row.setField(6, text(sourceId));
        row.setField(7, sourceVersion == 0 ? null : sourceVersion);
        row.setField(8, text(variant));
        row.setField(9, text(templateId));
        row.setField(10, templateVersion == 0 ? null : templateVersion);
        row.setField(11, text(audience));
        row.setField(12, text(status));
        row.setField(13, text(reason));
        row.setField(14, attempt == 0 ? null : attempt);
        row.setField(15, text(destinationHash));
        row.setField(16, text(providerMessageId));
        row.setField(17, TimestampData.fromEpochMillis(occurredAtMillis));
        return row;
    }

    private static StringData text(String value) {
        return EventRows.string(value);
    }

    @Override
    public String toString() {
        return messageId + " " + status + (reason == null ? "" : "(" + reason + ")");
    }
}
