package io.sillage.jobs.automation;

import java.util.List;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.state.rocksdb.RocksDBKeyedStateBackend;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts an automation operator's RocksDB column families once its instances have ended and traffic paused.
 *
 * <p>On RocksDB a removed entry stays in the files as a tombstone over its data until a compaction reaches both, and
 * once the writes stop none does: the checkpoint kept 15 to 60 MB after 100,000 instances ended. So once at least
 * {@link #AFTER_REMOVED} entries were removed since the last compaction, the first checkpoint completed with no
 * element or timer since the one before (a whole interval idle) compacts the named column families, in the task's
 * thread, and the next checkpoint holds only what still waits. Traffic that never pauses never triggers it (the
 * background compactions then keep up with the writes); the cost of one is that of the live state.
 *
 * <p>Not thread-safe: one per operator instance, called from its task thread.
 */
final class IdleCompaction {
    /** Entries removed since the last compaction for an idle checkpoint to compact the state. */
    static final long AFTER_REMOVED = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(IdleCompaction.class);

    private final String operator;
    private final List<String> stateNames;
    private long removed;
    private boolean active;
    private int compactions;

    /** {@code stateNames}: the operator's states and timer queues ({@code _timer_state/processing_<service>}). */
    IdleCompaction(String operator, List<String> stateNames) {
        this.operator = operator;
        this.stateNames = stateNames;
    }

    /** An element or a timer: the interval is not idle. */
    void active() {
        active = true;
    }

    void removed(long entries) {
        removed += entries;
    }

    /** Called when a checkpoint completes. */
    void checkpointComplete(KeyedStateBackend<?> backend) {
        boolean idle = !active;
        active = false;
        if (!idle || removed < AFTER_REMOVED || !(backend instanceof RocksDBKeyedStateBackend<?> rocksDb)) {
            return;
        }
        long started = System.nanoTime();
        for (String name : stateNames) {
            try {
                // compactState finds the column family by the descriptor's name only
                rocksDb.compactState(new ValueStateDescriptor<>(name, Types.INT));
            }
            catch (RocksDBException | RuntimeException e) {
                // maintenance never fails the job (a state renamed by a Flink upgrade ends here, and the tests catch it)
                LOG.warn("Compacting the state {} of {} failed; the next idle checkpoint tries again", name, operator, e);
                return;
            }
        }
        compactions++;
        LOG.info("Compacted the state of {} after {} entries were removed, in {} ms", operator, removed, (System.nanoTime() - started) / 1_000_000);
        removed = 0;
    }

    int compactions() {
        return compactions;
    }
}
