package io.sillage.lakehouse.maintenance;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Folds the profile change log into {@code profiles_base}, so that the {@code profiles} view reads one compact
 * table plus a short tail however many updates accumulate (the measurement behind this choice is in
 * {@code docs/benchmarks.md}).
 *
 * <ol>
 *   <li>cutoff = the start of the fold window that began at least {@code settle} ago: windows before it are
 *       complete (the pipeline commits within a checkpoint interval, far less than {@code settle}).</li>
 *   <li>{@code profiles_base} is replaced, atomically, by the latest version per profile over the base and the
 *       change rows before the cutoff.</li>
 *   <li>The change partitions before the cutoff are dropped (a metadata-only delete: the table is partitioned
 *       by {@code window_start}), and old snapshots of both tables are expired.</li>
 * </ol>
 *
 * <p>The view takes the highest version of each profile across base and change log, so a reader sees the same
 * profiles before, during and after a fold.
 */
public final class ProfileFold {
    private final Duration window;
    private final Duration settle;

    public ProfileFold(Duration window, Duration settle) {
        this.window = window;
        this.settle = settle;
    }

    /** What one fold did. */
    public record Result(Instant cutoff, long changesFolded, long profiles, Duration took) {}

    public Result run(Connection trino, Instant now) throws SQLException {
        long started = System.nanoTime();
        long windowMillis = window.toMillis();
        Instant cutoff = Instant.ofEpochMilli(Math.floorDiv(now.minus(settle).toEpochMilli(), windowMillis) * windowMillis);
        long changes = count(trino, "select count(*) from lakehouse.cdp.profile_changes where window_start < from_iso8601_timestamp(?)", cutoff);
        if (changes > 0) {
            try {
                replaceBase(trino, cutoff);
            }
            finally {
                try (Statement statement = trino.createStatement()) {
                    for (String property : ONE_THREAD.keySet()) {
                        statement.execute("reset session " + property);
                    }
                }
            }
            try (PreparedStatement delete = trino.prepareStatement("delete from lakehouse.cdp.profile_changes where window_start < from_iso8601_timestamp(?)")) {
                delete.setString(1, cutoff.toString());
                delete.executeUpdate();
            }
            try (Statement statement = trino.createStatement()) {
                statement.execute("alter table lakehouse.cdp.profiles_base execute expire_snapshots(retention_threshold => '1h')");
                statement.execute("alter table lakehouse.cdp.profile_changes execute expire_snapshots(retention_threshold => '1h')");
            }
        }
        long profiles = count(trino, "select count(*) from lakehouse.cdp.profiles_base", null);
        return new Result(cutoff, changes, profiles, Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * Settings of the fold's session: one thread per stage and one writer. The fold then takes about a third
     * longer, but leaves the cores to the queries running beside it (a look-up of one profile took 1.6 to 3.3 s
     * during a fold with Trino's defaults, 0.5 to 1.1 s with these; docs/benchmarks.md).
     */
    static final Map<String, String> ONE_THREAD = Map.of(
            "task_concurrency", "1",
            "max_drivers_per_task", "1",
            "task_max_writer_count", "1",
            "scale_writers", "false");

    private static void replaceBase(Connection trino, Instant cutoff) throws SQLException {
        try (Statement statement = trino.createStatement()) {
            for (Map.Entry<String, String> property : ONE_THREAD.entrySet()) {
                statement.execute("set session " + property.getKey() + " = " + property.getValue());
            }
        }
        try (PreparedStatement replace = trino.prepareStatement("""
                create or replace table lakehouse.cdp.profiles_base
                with (format_version = 2, partitioning = array['bucket(profile_id, 8)'], parquet_bloom_filter_columns = array['profile_id'])
                as
                """ + LakehouseViews.latestProfiles("(select * from lakehouse.cdp.profile_changes where window_start < from_iso8601_timestamp(?))"))) {
            replace.setString(1, cutoff.toString());
            replace.executeUpdate();
        }
    }

    private static long count(Connection trino, String sql, Instant parameter) throws SQLException {
        try (PreparedStatement statement = trino.prepareStatement(sql)) {
            if (parameter != null) {
                statement.setString(1, parameter.toString());
            }
            try (ResultSet rows = statement.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
