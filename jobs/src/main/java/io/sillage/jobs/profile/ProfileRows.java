package io.sillage.jobs.profile;

import io.sillage.jobs.collect.EventRows;

import java.time.Duration;

import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;

/** Iceberg rows for {@code cdp.profile_changes} and {@code cdp.profile_merges} (column order of {@code CdpTables}). */
public final class ProfileRows {
    private ProfileRows() {}

    public static RowData change(ProfileSnapshot snapshot, Duration foldWindow) {
        ProfileState state = snapshot.state;
        long changedAtMillis = snapshot.takenAtMillis;
        long windowMillis = foldWindow.toMillis();
        long windowStart = Math.floorDiv(changedAtMillis, windowMillis) * windowMillis;
        StringData[] identifiers = state.identifiers.stream().map(StringData::fromString).toArray(StringData[]::new);
        return GenericRowData.of(
                EventRows.string(state.projectId),
                EventRows.string(state.profileId),
                state.version,
                EventRows.string(state.mergedInto),
                new GenericArrayData(identifiers),
                EventRows.string(snapshot.traits),
                EventRows.string(snapshot.subscriptions),
                micros(state.createdAtMicros),
                micros(state.firstSeenMicros),
                micros(state.lastSeenMicros),
                state.eventCount,
                state.orderCount,
                state.revenue,
                micros(state.lastOrderMicros),
                EventRows.timestamp(changedAtMillis * 1000),
                EventRows.timestamp(windowStart * 1000));
    }

    public static RowData merge(MergeDecision decision, long decidedAtMillis) {
        return GenericRowData.of(
                EventRows.string(decision.projectId),
                EventRows.string(decision.fromProfileId),
                EventRows.string(decision.intoProfileId),
                EventRows.string(decision.decision),
                EventRows.string(decision.rule),
                EventRows.string(decision.identifier),
                EventRows.string(decision.messageId),
                micros(decision.eventTimeMicros),
                EventRows.timestamp(decidedAtMillis * 1000));
    }

    private static org.apache.flink.table.data.TimestampData micros(long micros) {
        return micros == Long.MAX_VALUE || micros == Long.MIN_VALUE ? null : EventRows.timestamp(micros);
    }
}
