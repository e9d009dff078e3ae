package io.sillage.jobs.automation;

import java.util.List;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.cep.nfa.ComputationState;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.NFAStateSerializer;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.nfa.compiler.NFACompiler;
import org.apache.flink.cep.operator.CepOperator;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Flink's {@link CepOperator} in processing time, plus the cleanup it lacks. Processing time, because the
 * instance gate already delivers each key's signals in the order that decides (entry, then its end: a cancel, an
 * exit, or the deadline marker its timer emits), so CEP has nothing to buffer or sort and registers no timer.
 *
 * <p>CepOperator keeps per key, after a match, an NFA state with only its start state, and the shared buffer keeps
 * the event counter of the key's last timestamp until the key sees a later element, which a finished instance
 * never does. Keyed by automation instance, that state would grow with every person who ever entered. After each
 * element, when the key has no partial match beyond the start state and no completed match, this removes the
 * key's NFA state and event counters, so a finished instance leaves nothing behind (proved by
 * {@code WaitPatternTest}).
 *
 * <p>On RocksDB, the ended instances' bytes leave the checkpoint through {@link IdleCompaction}.
 *
 * <p>It reaches CepOperator's states by their names ({@code nfaStateName}, {@code sharedBuffer-events-count},
 * {@code sharedBuffer-events}, {@code sharedBuffer-entries-with-lockable-edges} in Flink 2.1); the tests fail if a
 * Flink upgrade renames them.
 */
public class CleaningCepOperator<KEY> extends CepOperator<AutomationSignal, KEY, AutomationSignal> {
    private transient ValueState<NFAState> nfaStates;
    private transient MapState<Long, Integer> eventCounts;
    private transient IdleCompaction compaction;

    public CleaningCepOperator(TypeSerializer<AutomationSignal> inputSerializer, NFACompiler.NFAFactory<AutomationSignal> nfaFactory,
            AfterMatchSkipStrategy skipStrategy, PatternProcessFunction<AutomationSignal, AutomationSignal> function) {
        super(inputSerializer, true, nfaFactory, null, skipStrategy, function, null);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        nfaStates = getPartitionedState(new ValueStateDescriptor<>("nfaStateName", new NFAStateSerializer()));
        eventCounts = getPartitionedState(new MapStateDescriptor<>("sharedBuffer-events-count", LongSerializer.INSTANCE, IntSerializer.INSTANCE));
        compaction = new IdleCompaction("the automation waits (CEP)", List.of("nfaStateName", "sharedBuffer-events-count",
                "sharedBuffer-events", "sharedBuffer-entries-with-lockable-edges"));
    }

    @Override
    public void processElement(StreamRecord<AutomationSignal> element) throws Exception {
        compaction.active();
        super.processElement(element);
        NFAState state = nfaStates.value();
        if (state != null) {
            if (!state.getCompletedMatches().isEmpty()) {
                return;
            }
            for (ComputationState computation : state.getPartialMatches()) {
                if (computation.getPreviousBufferEntry() != null) {
                    return;
                }
            }
            nfaStates.clear();
            compaction.removed(1);
        }
        eventCounts.clear();
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        compaction.checkpointComplete(getKeyedStateBackend());
    }

    /** Compactions since the operator started (for tests). */
    int compactions() {
        return compaction.compactions();
    }
}
