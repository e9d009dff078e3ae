package io.sillage.jobs.collect;

import io.sillage.lakehouse.event.CollectedEvent;
import io.sillage.lakehouse.event.EventValidationException;
import io.sillage.lakehouse.event.SegmentEvents;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parses and validates raw records. Valid events go downstream; anything else goes to the {@link #REJECTED}
 * side output with its reason. Never throws on bad data.
 */
public class ParseEvents extends ProcessFunction<RawRecord, CollectedEvent> {
    public static final OutputTag<RejectedRecord> REJECTED = new OutputTag<>("rejected") {};

    private transient Counter rejectedCounter;

    @Override
    public void open(OpenContext openContext) {
        rejectedCounter = getRuntimeContext().getMetricGroup().counter("rejectedRecords");
    }

    @Override
    public void processElement(RawRecord record, Context context, Collector<CollectedEvent> out) {
        try {
            out.collect(SegmentEvents.fromWire(record.payload()));
        }
        catch (EventValidationException e) {
            context.output(REJECTED, reject(record, e, Clock.systemUTC().instant()));
            if (rejectedCounter != null) {
                rejectedCounter.inc();
            }
        }
        catch (RuntimeException e) {
            // a bug in validation must not stop the pipeline either: keep the record and the reason
            context.output(REJECTED, reject(record, new EventValidationException("", "unexpected parse failure: " + e), Clock.systemUTC().instant()));
        }
    }

    static RejectedRecord reject(RawRecord record, EventValidationException e, Instant now) {
        String payload = new String(record.payload(), StandardCharsets.UTF_8);
        return new RejectedRecord(
                PayloadHints.find(payload, "projectId"),
                PayloadHints.find(payload, "messageId"),
                e.problem().detail(),
                e.problem().field().isEmpty() ? null : e.problem().field(),
                payload,
                record.topic(),
                record.partition(),
                record.offset(),
                SegmentEvents.micros(now));
    }
}
