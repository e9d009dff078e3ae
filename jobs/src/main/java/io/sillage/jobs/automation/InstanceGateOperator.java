package io.sillage.jobs.automation;

import java.util.List;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/** The operator of {@link InstanceGate}: Flink's {@link KeyedProcessOperator} plus {@link IdleCompaction} of its state and timers. */
public final class InstanceGateOperator extends KeyedProcessOperator<String, AutomationSignal, AutomationSignal> {
    private static final long serialVersionUID = 1;
    private transient IdleCompaction compaction;

    public InstanceGateOperator(InstanceGate gate) {
        super(gate);
    }

    @Override
    public void open() throws Exception {
        super.open();
        // KeyedProcessOperator's timer service is named user-timers; the gate uses processing time only
        compaction = new IdleCompaction("the automation instances", List.of("waiting-entry", "recent-ends", "_timer_state/processing_user-timers"));
    }

    @Override
    public void processElement(StreamRecord<AutomationSignal> element) throws Exception {
        compaction.active();
        super.processElement(element);
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) throws Exception {
        compaction.active();
        super.onProcessingTime(timer);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        compaction.removed(((InstanceGate) userFunction).takeRemoved());
        compaction.checkpointComplete(getKeyedStateBackend());
    }

    int compactions() {
        return compaction.compactions();
    }
}
