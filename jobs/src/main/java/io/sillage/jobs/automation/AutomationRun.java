package io.sillage.jobs.automation;

import io.sillage.lakehouse.table.CdpTables;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

/** One lifecycle step of an automation instance: a row of {@code cdp.automation_runs}. A Flink POJO. */
public class AutomationRun {
    public static final String ENTERED = "entered";
    public static final String SUPPRESSED = "suppressed";
    public static final String CANCELLED = "cancelled";
    public static final String EXITED = "exited";
    public static final String HELD = "held";
    public static final String FIRED = "fired";

    public String projectId;
    public String automationId;
    public int automationVersion;
    public String instanceId;
    public String profileId;
    public String step;
    public String reason;
    public String eventMessageId;
    /** Epoch millis, or Long.MIN_VALUE when none. */
    public long waitingUntilMillis = Long.MIN_VALUE;
    public String idempotencyKey;
    public long occurredAtMillis;

    public AutomationRun() {}

    /** A step of the instance named by {@code signal} (an ENTRY or FIRE signal). */
    public static AutomationRun of(AutomationSignal signal, String step, String reason, String eventMessageId, long occurredAtMillis) {
        AutomationRun run = new AutomationRun();
        run.projectId = signal.projectId;
        run.automationId = signal.automationId;
        run.automationVersion = signal.version;
        run.instanceId = signal.messageId + (signal.instanceKey.isEmpty() ? "" : ":" + signal.instanceKey);
        run.profileId = signal.profileId;
        run.step = step;
        run.reason = reason;
        run.eventMessageId = eventMessageId;
        run.occurredAtMillis = occurredAtMillis;
        return run;
    }

    public AutomationRun waitingUntil(long millis) {
        waitingUntilMillis = millis;
        return this;
    }

    public AutomationRun idempotencyKey(String key) {
        idempotencyKey = key;
        return this;
    }

    /** The row in {@link CdpTables#AUTOMATION_RUNS_SCHEMA} order. */
    public RowData toRow() {
        GenericRowData row = new GenericRowData(CdpTables.AUTOMATION_RUNS_SCHEMA.columns().size());
        row.setField(0, StringData.fromString(projectId));
        row.setField(1, StringData.fromString(automationId));
        row.setField(2, automationVersion);
        row.setField(3, StringData.fromString(instanceId));
        row.setField(4, StringData.fromString(profileId));
        row.setField(5, StringData.fromString(step));
        row.setField(6, reason == null ? null : StringData.fromString(reason));
        row.setField(7, eventMessageId == null ? null : StringData.fromString(eventMessageId));
        row.setField(8, waitingUntilMillis == Long.MIN_VALUE ? null : TimestampData.fromEpochMillis(waitingUntilMillis));
        row.setField(9, idempotencyKey == null ? null : StringData.fromString(idempotencyKey));
        row.setField(10, TimestampData.fromEpochMillis(occurredAtMillis));
        return row;
    }

    @Override
    public String toString() {
        return step + (reason == null ? "" : "(" + reason + ")") + " " + automationId + " " + instanceId;
    }
}
