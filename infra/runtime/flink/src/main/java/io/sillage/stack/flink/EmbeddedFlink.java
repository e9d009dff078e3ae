package io.sillage.stack.flink;

import io.sillage.jobs.common.JobSettings;
import io.sillage.jobs.messaging.MessagingJob;
import io.sillage.jobs.profile.PipelineJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.rocksdb.CompactionStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stack's Flink: an embedded cluster (JobManager, one TaskManager, web UI) in one JVM, to which
 * the project's jobs are submitted over REST exactly as to a session cluster. Each job resumes from its
 * latest retained checkpoint, so killing this process and starting it again loses and duplicates nothing.
 *
 * <p>Settings (from {@code --config sillage.properties}): {@code flink.rest-port} (8081),
 * {@code flink.bind-address} (127.0.0.1), {@code flink.slots} (4), {@code flink.parallelism} (2),
 * {@code flink.checkpoints-dir} (required, a local directory), {@code flink.state-backend} (rocksdb, with
 * incremental checkpoints), {@code flink.timer-service} (ROCKSDB, or HEAP), {@code flink.rocksdb-compaction-style}
 * (UNIVERSAL, or LEVEL), {@code flink.rocksdb-dynamic-levels} (true, for LEVEL), {@code flink.managed-memory} (2g),
 * plus every job setting.
 */
public final class EmbeddedFlink {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedFlink.class);

    /** A job the local stack runs: a stable key (its checkpoint directory) and how to add it to an environment. */
    record LocalJob(String key, String name, BiConsumer<StreamExecutionEnvironment, JobSettings> definition) {}

    static final List<LocalJob> JOBS = List.of(
            new LocalJob("pipeline", PipelineJob.JOB_NAME, PipelineJob::define),
            new LocalJob("messaging", MessagingJob.JOB_NAME, MessagingJob::define));

    private EmbeddedFlink() {}

    public static void main(String[] args) {
        try {
            run(args);
        }
        catch (Throwable e) {
            LOG.error("Embedded Flink failed", e);
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        JobSettings settings = JobSettings.fromArgs(args);
        String bindAddress = settings.get("flink.bind-address", "127.0.0.1");
        int restPort = Integer.parseInt(settings.get("flink.rest-port", "8081"));
        int slots = Integer.parseInt(settings.get("flink.slots", "4"));
        Path checkpoints = Path.of(settings.require("flink.checkpoints-dir")).toAbsolutePath();

        Configuration cluster = new Configuration();
        cluster.set(RestOptions.BIND_ADDRESS, bindAddress);
        cluster.set(RestOptions.ADDRESS, bindAddress);
        cluster.set(RestOptions.PORT, restPort);
        // loopback only: the RPC, blob and shuffle servers too, not just the REST endpoint
        cluster.set(JobManagerOptions.ADDRESS, bindAddress);
        cluster.set(JobManagerOptions.BIND_HOST, bindAddress);
        cluster.set(TaskManagerOptions.HOST, bindAddress);
        cluster.set(TaskManagerOptions.BIND_HOST, bindAddress);
        cluster.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        // RocksDB with incremental checkpoints: the dedup window holds millions of message ids, and the heap
        // backend re-wrote all of them at every checkpoint (most of the job's CPU in the collect benchmark)
        cluster.set(StateBackendOptions.STATE_BACKEND, settings.get("flink.state-backend", "rocksdb"));
        cluster.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        // most dedup lookups are for new message ids: without bloom filters each miss reads every level
        cluster.set(RocksDBConfigurableOptions.USE_BLOOM_FILTER, true);
        // universal compaction: the dedup ids and the profiles are written in random key order, and every checkpoint
        // flushes a small file of them; leveled compaction merged each batch of those into the whole last level (8x
        // write amplification, a third of the job's CPU in compaction threads), universal merges sorted runs of
        // similar size. A full compaction (IdleCompaction's) still drops the deleted entries of ended instances.
        cluster.set(RocksDBConfigurableOptions.COMPACTION_STYLE, CompactionStyle.valueOf(settings.get("flink.rocksdb-compaction-style", "UNIVERSAL")));
        // with flink.rocksdb-compaction-style=LEVEL: level sizes from the last level up (RocksDB's own default since
        // 8.4), so that deleted entries reach the last level, where they are dropped, instead of lingering as tombstones
        cluster.set(RocksDBConfigurableOptions.USE_DYNAMIC_LEVEL_SIZE, Boolean.parseBoolean(settings.get("flink.rocksdb-dynamic-levels", "true")));
        // timers in RocksDB: every waiting automation instance has one, and heap timers are written in full and
        // synchronously at every checkpoint, blocking the operator (flink.timer-service=HEAP restores them)
        cluster.setString("state.backend.rocksdb.timer-service.factory", settings.get("flink.timer-service", "ROCKSDB"));
        cluster.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse(settings.get("flink.managed-memory", "2g")));
        cluster.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
        MiniCluster miniCluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(cluster)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
        miniCluster.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                miniCluster.close();
            }
            catch (Exception e) {
                LOG.warn("Flink cluster did not stop cleanly", e);
            }
        }, "flink-shutdown"));
        LOG.info("Embedded Flink cluster up, web UI on http://{}:{}", bindAddress, restPort);

        List<JobClient> clients = new ArrayList<>();
        for (LocalJob job : JOBS) {
            Path jobCheckpoints = checkpoints.resolve(job.key());
            Optional<Path> restore = latestCheckpoint(jobCheckpoints);
            removeOtherRuns(jobCheckpoints, restore);
            Configuration jobConfig = new Configuration();
            jobConfig.set(DeploymentOptions.TARGET, "remote");
            jobConfig.set(RestOptions.ADDRESS, bindAddress);
            jobConfig.set(RestOptions.PORT, restPort);
            jobConfig.set(CoreOptions.DEFAULT_PARALLELISM, Integer.parseInt(settings.get("flink.parallelism", "2")));
            jobConfig.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, jobCheckpoints.toUri().toString());
            jobConfig.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
            jobConfig.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 3);
            restore.ifPresent(path -> jobConfig.set(StateRecoveryOptions.SAVEPOINT_PATH, path.toString()));
            StreamExecutionEnvironment env = new StreamExecutionEnvironment(jobConfig);
            job.definition().accept(env, settings);
            clients.add(env.executeAsync(job.name()));
            LOG.info("Submitted {}{}", job.name(), restore.map(path -> " restoring " + path).orElse(" (no checkpoint: fresh start)"));
        }
        // a job that ends (failed restore, exhausted restarts) must not leave a live process that looks healthy:
        // exit, so that the supervisor restarts the cluster and the job resumes from its checkpoint
        while (true) {
            Thread.sleep(5000);
            for (JobClient client : clients) {
                JobStatus status = client.getJobStatus().get();
                if (status.isGloballyTerminalState()) {
                    LOG.error("Job {} is {}: stopping the embedded cluster so that it is restarted", client.getJobID(), status);
                    System.exit(1);
                }
            }
        }
    }

    /** The most recent completed checkpoint ({@code chk-N} with {@code _metadata}) of any earlier run. */
    static Optional<Path> latestCheckpoint(Path jobCheckpoints) throws IOException {
        if (!Files.isDirectory(jobCheckpoints)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.find(jobCheckpoints, 3, (path, attributes) -> path.getFileName().toString().equals("_metadata")
                && path.getParent().getFileName().toString().matches("chk-\\d+"))) {
            // newest run first (by its metadata time), then the highest checkpoint number within it
            return files.map(Path::getParent)
                    .max(Comparator.comparing((Path chk) -> modified(chk.getParent()))
                            .thenComparingLong(chk -> Long.parseLong(chk.getFileName().toString().substring(4))));
        }
    }

    /** Earlier runs' checkpoints other than the one restored from are no longer needed. */
    private static void removeOtherRuns(Path jobCheckpoints, Optional<Path> restore) throws IOException {
        if (!Files.isDirectory(jobCheckpoints)) {
            return;
        }
        Optional<Path> keep = restore.map(Path::getParent);
        try (Stream<Path> runs = Files.list(jobCheckpoints)) {
            for (Path run : runs.toList()) {
                if (keep.isEmpty() || !keep.get().equals(run)) {
                    deleteRecursively(run);
                }
            }
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static long modified(Path path) {
        try {
            return Files.getLastModifiedTime(path).toMillis();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
