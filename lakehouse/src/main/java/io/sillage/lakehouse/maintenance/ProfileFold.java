package io.sillage.lakehouse.maintenance;

import io.sillage.lakehouse.catalog.LakehouseConfig;
import io.sillage.lakehouse.table.CdpTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.OverwriteFiles;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableMetadataParser;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * Folds the profile change log into {@code profiles_base}, so that the {@code profiles} view reads one compact
 * table plus a short tail however many updates accumulate (the measurement behind this choice is in
 * {@code docs/benchmarks.md}).
 *
 * <ol>
 *   <li>cutoff = the start of the fold window that began at least {@code settle} ago: windows before it are
 *       complete (the pipeline commits within a checkpoint interval, far less than {@code settle}).</li>
 *   <li>The newest change of each profile before the cutoff is staged in {@code profile_fold_changes}, bucketed
 *       like {@code profiles_base}.</li>
 *   <li>Then one bucket at a time, for the buckets that have changes: Trino writes the bucket's latest
 *       profiles (its base rows and its staged changes) into a staging table that shares the base's schema,
 *       spec, properties and data directory, and one Iceberg commit swaps the bucket's files in the base for
 *       those. After each bucket the fold pauses for {@code pause} times as long as the bucket took, so that it
 *       never holds a core for long: the pipeline beside it falls behind by a bucket's work at most.</li>
 *   <li>The change partitions before the cutoff are dropped (a metadata-only delete: the table is partitioned
 *       by {@code window_start}), and old snapshots of both tables are expired.</li>
 * </ol>
 *
 * <p>The view takes the highest version of each profile across base and change log, so a reader sees the same
 * profiles before, between and after the buckets' commits. A fold that stops half way leaves the view correct
 * and the next one finishes it. Folds exclude each other with an advisory lock in the catalog's database.
 */
public final class ProfileFold {
    /** The pause after each bucket, as a multiple of the time the bucket took, when none is given. */
    public static final double DEFAULT_PAUSE = 1.0;

    private static final TableIdentifier BASE = CdpTables.PROFILES_BASE.identifier();
    private static final TableIdentifier STAGED_CHANGES = TableIdentifier.of(CdpTables.NAMESPACE, "profile_fold_changes");
    private static final TableIdentifier STAGE = TableIdentifier.of(CdpTables.NAMESPACE, "profiles_base_fold");
    private static final Pattern BUCKET = Pattern.compile("bucket\\[(\\d+)]");
    /** The advisory lock a fold holds in the catalog's database (a constant no other component uses). */
    public static final long LOCK_KEY = 0x5111a6e_f01dL;

    private final Duration window;
    private final Duration settle;
    private final double pause;

    public ProfileFold(Duration window, Duration settle) {
        this(window, settle, DEFAULT_PAUSE);
    }

    public ProfileFold(Duration window, Duration settle, double pause) {
        if (!(pause >= 0)) {
            throw new IllegalArgumentException("The fold's pause must be 0 or more times a bucket's duration, got " + pause);
        }
        this.window = window;
        this.settle = settle;
        this.pause = pause;
    }

    /**
     * What one fold did: {@code took} is from start to end, {@code working} leaves out the pauses between
     * buckets.
     */
    public record Result(Instant cutoff, long changesFolded, int bucketsRewritten, long profiles, Duration took, Duration working) {}

    /**
     * Folds the windows complete at {@code now}. When another fold holds the lock, waits up to {@code lockWait}
     * for it, then throws {@link FoldRunning}.
     */
    public Result run(Connection trino, LakehouseConfig lakehouse, Instant now, Duration lockWait) throws SQLException {
        long started = System.nanoTime();
        long windowMillis = window.toMillis();
        Instant cutoff = Instant.ofEpochMilli(Math.floorDiv(now.minus(settle).toEpochMilli(), windowMillis) * windowMillis);
        try (Connection lock = DriverManager.getConnection(lakehouse.jdbcUrl(), lakehouse.jdbcUser(), lakehouse.jdbcPassword());
             JdbcCatalog catalog = lakehouse.openCatalog()) {
            awaitLock(lock, lockWait);
            long changes = count(trino, "select count(*) from lakehouse.cdp.profile_changes where window_start < from_iso8601_timestamp(?)", cutoff);
            int buckets = 0;
            long paused = 0;
            if (changes > 0) {
                dropLeftovers(catalog);
                try {
                    setSession(trino, ONE_THREAD);
                    Table base = catalog.loadTable(BASE);
                    BucketSpec spec = BucketSpec.of(base);
                    stageChanges(trino, spec, cutoff);
                    List<Integer> changed = changedBuckets(catalog.loadTable(STAGED_CHANGES));
                    for (int bucket : changed) {
                        long bucketStarted = System.nanoTime();
                        foldBucket(trino, catalog, base, spec, bucket);
                        buckets++;
                        if (pause > 0 && buckets < changed.size()) {
                            paused += pause((long) ((System.nanoTime() - bucketStarted) * pause));
                        }
                    }
                }
                finally {
                    try (Statement statement = trino.createStatement()) {
                        statement.execute("drop table if exists lakehouse.cdp.profile_fold_changes");
                    }
                    resetSession(trino, ONE_THREAD);
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
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            return new Result(cutoff, changes, buckets, profiles, took, took.minusNanos(paused));
        }
    }

    private static long pause(long nanos) {
        try {
            Thread.sleep(Duration.ofNanos(nanos).toMillis());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("The profile fold was interrupted between two buckets (the view stays correct; the next fold finishes it)", e);
        }
        return nanos;
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

    /** How {@code profiles_base} is bucketed: its one partition field, {@code bucket(profile_id, N)}. */
    record BucketSpec(String fieldName, int buckets) {
        static BucketSpec of(Table base) {
            List<PartitionField> fields = base.spec().fields();
            Matcher bucket = fields.size() == 1 ? BUCKET.matcher(fields.get(0).transform().toString()) : null;
            if (bucket == null || !bucket.matches() || !base.schema().findColumnName(fields.get(0).sourceId()).equals("profile_id")) {
                throw new IllegalStateException("profiles_base must be partitioned by bucket(profile_id, N) alone, found " + base.spec()
                        + " (Sillage creates it so; the fold cannot rewrite it one bucket at a time otherwise)");
            }
            return new BucketSpec(fields.get(0).name(), Integer.parseInt(bucket.group(1)));
        }

        /** A predicate on Trino's {@code $partition} column that reads one bucket's files only. */
        String partition(int bucket) {
            return "\"$partition\" = '" + fieldName + "=" + bucket + "'";
        }
    }

    private static void stageChanges(Connection trino, BucketSpec spec, Instant cutoff) throws SQLException {
        try (PreparedStatement stage = trino.prepareStatement("create table lakehouse.cdp.profile_fold_changes with (partitioning = array['bucket(profile_id, "
                + spec.buckets() + ")']) as\n"
                + LakehouseViews.newestChanges("(select * from lakehouse.cdp.profile_changes where window_start < from_iso8601_timestamp(?))"))) {
            stage.setString(1, cutoff.toString());
            stage.executeUpdate();
        }
    }

    /** The buckets that have staged changes, from the staged table's file metadata. */
    private static List<Integer> changedBuckets(Table stagedChanges) {
        SortedSet<Integer> buckets = new TreeSet<>();
        for (DataFile file : dataFiles(stagedChanges)) {
            buckets.add(file.partition().get(0, Integer.class));
        }
        return List.copyOf(buckets);
    }

    /**
     * Rewrites one bucket: Trino writes its latest profiles into a staging table, and one Iceberg commit replaces
     * the bucket's files in the base with the staged ones. The commit checks that nothing else wrote the bucket
     * since the files it replaces were listed.
     */
    private static void foldBucket(Connection trino, Catalog catalog, Table base, BucketSpec spec, int bucket) throws SQLException {
        base.refresh();
        Snapshot snapshot = base.currentSnapshot();
        List<DataFile> replaced = new ArrayList<>();
        for (DataFile file : dataFiles(base)) {
            if (file.partition().get(0, Integer.class) == bucket) {
                replaced.add(file);
            }
        }
        Table stage = createStage(catalog, base);
        boolean committed = false;
        try {
            try (Statement insert = trino.createStatement()) {
                insert.executeUpdate("insert into lakehouse.cdp.profiles_base_fold\n" + LakehouseViews.latestProfiles(
                        "(select * from lakehouse.cdp.profiles_base where " + spec.partition(bucket) + ")",
                        "(select * from lakehouse.cdp.profile_fold_changes where " + spec.partition(bucket) + ")"));
            }
            stage.refresh();
            OverwriteFiles overwrite = base.newOverwrite();
            replaced.forEach(overwrite::deleteFile);
            for (DataFile file : dataFiles(stage)) {
                overwrite.addFile(DataFiles.builder(base.spec()).copy(file).build());
            }
            if (snapshot != null) {
                overwrite.validateFromSnapshot(snapshot.snapshotId());
            }
            overwrite.conflictDetectionFilter(Expressions.equal(Expressions.bucket("profile_id", spec.buckets()), bucket))
                    .validateNoConflictingData()
                    .validateNoConflictingDeletes()
                    .commit();
            committed = true;
        }
        catch (CommitStateUnknownException e) {
            committed = true; // the staged files may be the base's now: leave them
            throw e;
        }
        finally {
            dropStage(catalog, stage, !committed);
        }
    }

    /**
     * An empty table with the base's schema (field ids included), spec and properties, whose data files go to the
     * base's data directory: its files can then become the base's as they are. It is registered from a metadata
     * file written here because creating a table through a catalog assigns fresh field ids, which differ from the
     * base's once a column has been added.
     */
    private static Table createStage(Catalog catalog, Table base) {
        TableMetadata current = ((HasTableOperations) base).operations().current();
        String location = current.location() + "_fold";
        Map<String, String> properties = new HashMap<>(current.properties());
        properties.putIfAbsent(TableProperties.WRITE_DATA_LOCATION, current.location() + "/data");
        TableMetadata metadata = TableMetadata.buildFromEmpty(current.formatVersion())
                .assignUUID()
                .setLocation(location)
                .setCurrentSchema(current.schema(), current.lastColumnId())
                .setDefaultPartitionSpec(current.spec())
                .setDefaultSortOrder(current.sortOrder())
                .setProperties(properties)
                .build();
        String file = location + "/metadata/00000-" + UUID.randomUUID() + ".metadata.json";
        TableMetadataParser.write(metadata, base.io().newOutputFile(file));
        return catalog.registerTable(STAGE, file);
    }

    /** Drops the staging table from the catalog and deletes its metadata, and its data files when asked. */
    private static void dropStage(Catalog catalog, Table stage, boolean deleteDataFiles) {
        stage.refresh();
        FileIO io = stage.io();
        if (deleteDataFiles) {
            for (DataFile file : dataFiles(stage)) {
                io.deleteFile(file.location());
            }
        }
        String location = stage.location();
        catalog.dropTable(STAGE, false);
        if (io instanceof SupportsPrefixOperations prefixes) {
            prefixes.deletePrefix(location + "/");
        }
    }

    /**
     * What a fold that stopped half way left behind (only after taking the lock, so no fold is using them). A
     * leftover stage's data files are left alone: the base may hold them, if its commit's outcome was unknown.
     */
    private static void dropLeftovers(Catalog catalog) {
        if (catalog.tableExists(STAGE)) {
            dropStage(catalog, catalog.loadTable(STAGE), false);
        }
        if (catalog.tableExists(STAGED_CHANGES)) {
            catalog.dropTable(STAGED_CHANGES, true);
        }
    }

    private static List<DataFile> dataFiles(Table table) {
        List<DataFile> files = new ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            tasks.forEach(task -> files.add(task.file()));
        }
        catch (IOException e) {
            throw new UncheckedIOException("Listing the files of " + table.name(), e);
        }
        return files;
    }

    /** Another fold held the lock for longer than this one would wait: this one did nothing. */
    public static final class FoldRunning extends SQLException {
        FoldRunning(Duration waited) {
            super("Another profile fold is running on this catalog (it holds the fold's advisory lock; waited " + waited.toSeconds()
                    + " s): this one did nothing. Run it again when that one has finished.");
        }
    }

    private static void awaitLock(Connection catalogDatabase, Duration wait) throws SQLException {
        long deadline = System.nanoTime() + wait.toNanos();
        try (PreparedStatement lock = catalogDatabase.prepareStatement("select pg_try_advisory_lock(?)")) {
            lock.setLong(1, LOCK_KEY);
            while (true) {
                try (ResultSet result = lock.executeQuery()) {
                    result.next();
                    if (result.getBoolean(1)) {
                        return;
                    }
                }
                if (System.nanoTime() - deadline >= 0) {
                    throw new FoldRunning(wait);
                }
                try {
                    Thread.sleep(500);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FoldRunning(wait);
                }
            }
        }
    }

    private static void setSession(Connection trino, Map<String, String> properties) throws SQLException {
        try (Statement statement = trino.createStatement()) {
            for (Map.Entry<String, String> property : properties.entrySet()) {
                statement.execute("set session " + property.getKey() + " = " + property.getValue());
            }
        }
    }

    private static void resetSession(Connection trino, Map<String, String> properties) throws SQLException {
        try (Statement statement = trino.createStatement()) {
            for (String property : properties.keySet()) {
                statement.execute("reset session " + property);
            }
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
