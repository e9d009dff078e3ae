package io.sillage.jobs.automation;

import io.sillage.jobs.automation.AutomationSignal.Role;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.cep.functions.PatternProcessFunction;
import org.apache.flink.cep.nfa.aftermatch.AfterMatchSkipStrategy;
import org.apache.flink.cep.nfa.compiler.NFACompiler;
import org.apache.flink.cep.pattern.Pattern;
import org.apache.flink.cep.pattern.conditions.IterativeCondition;
import org.apache.flink.cep.pattern.conditions.SimpleCondition;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The trigger pattern, in Flink CEP: an entry followed by the first signal that ends it, which is either its
 * own deadline marker (the wait ran out: fire) or a cancel or exit event (no send). The instance gate emits the
 * deadline marker from a timer at the send time, so one pattern serves every kind of wait (fixed, or relative to
 * a date in the event) without a per-automation {@code within}. After a match, partial matches that started
 * before its end are discarded (skip past last event), which is the re-entry rule for entries that slipped past
 * the instance gate.
 *
 * <p>The operator runs in processing time. In event time, CepOperator buffers every signal in a per-key map state
 * until the watermark passes it, with one timer per buffered timestamp, and each timer seeks through the key's map
 * states; on RocksDB those seeks walk the tombstones of ended instances (FLINK-40584), and with 100,000 waiting
 * instances that was the whole job's bottleneck (docs/benchmarks.md#automations). The gate already orders a key's
 * signals, so processing time loses nothing: a waiting instance costs CEP its partial match and no timer.
 */
public final class WaitPattern {
    public static final OutputTag<AutomationRun> RUNS = new OutputTag<>("automation-cep-runs") {};

    private WaitPattern() {}

    public static Pattern<AutomationSignal, ?> pattern() {
        return Pattern.<AutomationSignal>begin("entry", AfterMatchSkipStrategy.skipPastLastEvent())
                .where(SimpleCondition.of(signal -> signal.role == Role.ENTRY))
                .followedBy("end")
                .where(new EndsEntry());
    }

    /** The CEP operator for {@link #pattern()}, in processing time, with state cleanup (see {@link CleaningCepOperator}). */
    public static CleaningCepOperator<String> operator() {
        TypeSerializer<AutomationSignal> serializer = TypeInformation.of(AutomationSignal.class).createSerializer(new SerializerConfigImpl());
        Pattern<AutomationSignal, ?> pattern = pattern();
        NFACompiler.NFAFactory<AutomationSignal> nfa = NFACompiler.compileFactory(pattern, false);
        return new CleaningCepOperator<>(serializer, nfa, pattern.getAfterMatchSkipStrategy(), new Outcome());
    }

    static final class EndsEntry extends IterativeCondition<AutomationSignal> {
        @Override
        public boolean filter(AutomationSignal signal, Context<AutomationSignal> context) throws Exception {
            if (signal.role == Role.ENTRY) {
                return false;
            }
            for (AutomationSignal entry : context.getEventsForPattern("entry")) {
                return AutomationSignal.ends(entry, signal);
            }
            return false;
        }
    }

    /** Deadline reached: a FIRE signal (main output). Cancelled or exited: a run row (side output). */
    static final class Outcome extends PatternProcessFunction<AutomationSignal, AutomationSignal> {
        @Override
        public void processMatch(Map<String, List<AutomationSignal>> match, Context context, Collector<AutomationSignal> out) {
            AutomationSignal entry = match.get("entry").get(0);
            AutomationSignal end = match.get("end").get(0);
            if (end.role == Role.DEADLINE) {
                AutomationSignal fire = entry.copy(Role.FIRE);
                fire.factsCurrent = false;
                out.collect(fire);
            }
            else {
                String step = end.role == Role.CANCEL ? AutomationRun.CANCELLED : AutomationRun.EXITED;
                context.output(RUNS, AutomationRun.of(entry, step, end.event, end.messageId, context.currentProcessingTime()));
            }
        }
    }
}
