package io.sillage.jobs.automation;

import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.cep.nfa.ComputationState;
import org.apache.flink.cep.nfa.NFAState;
import org.apache.flink.cep.nfa.NFAStateSerializer;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.nfa.compiler.NFACompiler;
import org.apache.flink.cep.operator.CepOperator;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.InternalTimer;

/**
 * Flink's event-time {@link CepOperator}, plus the cleanup it lacks: CepOperator can keep per key an NFA state with
 * only its start state, and the shared buffer keeps the event counter of a key's last timestamp until that key
 * sees a later watermark, which a finished instance never does. Keyed by automation instance, that state would
 * grow with every person who ever entered. After each timer, when the key has no buffered element, no partial
 * match beyond the start state and no completed match, this removes the key's NFA state and event counters, so a
 * finished instance leaves nothing behind (proved by {@code WaitPatternTest}).
 *
 * <p>It reaches CepOperator's states by their names ({@code nfaStateName}, {@code eventQueuesStateName},
 * {@code sharedBuffer-events-count} in Flink 2.1); the test fails if a Flink upgrade renames them.
 */
public class CleaningCepOperator<KEY> extends CepOperator<AutomationSignal, KEY, AutomationSignal> {
    private final TypeSerializer<AutomationSignal> inputSerializer;
    private transient ValueState<NFAState> nfaStates;
    private transient MapState<Long, java.util.List<AutomationSignal>> queues;
    private transient MapState<Long, Integer> eventCounts;

    public CleaningCepOperator(TypeSerializer<AutomationSignal> inputSerializer, NFACompiler.NFAFactory<AutomationSignal> nfaFactory,
            AfterMatchSkipStrategy skipStrategy, PatternProcessFunction<AutomationSignal, AutomationSignal> function) {
        super(inputSerializer, false, nfaFactory, null, skipStrategy, function, null);
        this.inputSerializer = inputSerializer;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        nfaStates = getPartitionedState(new ValueStateDescriptor<>("nfaStateName", new NFAStateSerializer()));
        queues = getPartitionedState(new MapStateDescriptor<>("eventQueuesStateName", LongSerializer.INSTANCE, new ListSerializer<>(inputSerializer)));
        eventCounts = getPartitionedState(new MapStateDescriptor<>("sharedBuffer-events-count", LongSerializer.INSTANCE, IntSerializer.INSTANCE));
    }

    @Override
    public void onEventTime(InternalTimer<KEY, VoidNamespace> timer) throws Exception {
        super.onEventTime(timer);
        if (!queues.isEmpty()) {
            return;
        }
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
        }
        // the shared buffer drops event counters older than the watermark only when the key sees time again,
        // which a finished instance never does: the counter of its last event would stay forever
        eventCounts.clear();
    }
}
