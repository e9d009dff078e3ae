package io.sillage.jobs.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sillage.lakehouse.event.CollectedEvent;
import java.time.Duration;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class CollectedEventSerializerTest {
    @Test
    void everyComponentRoundTrips() throws Exception {
        CollectedEvent event = new CollectedEvent("p1", "web", "m1", "track", "Order Completed", "n", "anon-é", "u1", "g1", "prev",
                1L, 2L, Long.MAX_VALUE, -4L, "{\"revenue\":12.5}", "{\"email\":\"a@b.c\"}", "{\"device\":{\"id\":\"d\"}}");
        assertThat(roundTrip(event)).isEqualTo(event);
    }

    @Test
    void nullsAndAbsentTimesRoundTrip() throws Exception {
        CollectedEvent empty = CollectedEventSerializer.INSTANCE.createInstance();
        assertThat(empty.timestampMicros()).isEqualTo(CollectedEvent.ABSENT_TIME);
        assertThat(roundTrip(empty)).isEqualTo(empty);
        CollectedEvent emptyStrings = new CollectedEvent("", "", "", "", "", "", "", "", "", "", 0, 0, 0, 0, "", "", "");
        assertThat(roundTrip(emptyStrings)).isEqualTo(emptyStrings);
    }

    @Test
    void anUnknownFormatFailsWithItsNumber() {
        assertThatThrownBy(() -> CollectedEventSerializer.INSTANCE.deserialize(new DataInputDeserializer(new byte[] {7, 0})))
                .hasMessageContaining("Unknown collected event format 7");
    }

    @Test
    void theCollectStreamsUseIt() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        CollectJob.CollectStreams streams = CollectJob.buildPipeline(env.fromData(TestEvents.raw(0, "{}")), Duration.ofHours(1));
        assertThat(streams.events().getType()).isSameAs(CollectedEventSerializer.TYPE_INFO);
    }

    private static CollectedEvent roundTrip(CollectedEvent event) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        CollectedEventSerializer.INSTANCE.serialize(event, out);
        CollectedEvent read = CollectedEventSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(CollectedEventSerializer.INSTANCE.copy(event)).isEqualTo(read);
        return read;
    }
}
