package io.sillage.jobs.profile;

import io.sillage.jobs.common.CompactSerializer;
import io.sillage.jobs.common.CompactTypeInfo;
import io.sillage.lakehouse.identity.ProjectIdentityRules;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompactSerializersTest {
    private static final String PROJECT = "p1";

    @Test
    void profileStateRoundTripsWithEveryFieldAndNull() throws Exception {
        ProfileState state = fullState();
        ProfileState read = roundTrip(ProfileStateSerializer.INSTANCE, state);
        assertThat(read).usingRecursiveComparison().isEqualTo(state);
        assertThat(read.traits.keySet()).as("trait order kept").containsExactly("name", "city", "emoji");

        ProfileState empty = ProfileState.create(PROJECT, "p", 1);
        empty.traits = null;
        empty.identifiers = null;
        ProfileState readEmpty = roundTrip(ProfileStateSerializer.INSTANCE, empty);
        assertThat(readEmpty.traits).isEmpty();
        assertThat(readEmpty.identifiers).isEmpty();
        assertThat(readEmpty.mergedInto).isNull();
        assertThat(readEmpty.firstSeenMicros).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void stitchMessagesRoundTripForEveryKind() throws Exception {
        for (StitchMessage.Kind kind : StitchMessage.Kind.values()) {
            StitchMessage message = StitchMessage.apply(PROJECT, "profile-1", "user_id:42", List.of("user_id:42", "email:é@example.com"),
                    new ProfileEvent("m1", "identify", null, "web", 123, "{\"a\":1}", null, "device-1"), true);
            message.kind = kind;
            message.state = kind == StitchMessage.Kind.ABSORB ? "{\"profileId\":\"x\"}" : null;
            message.reason = "at most 1 user_id per profile";
            assertThat(roundTrip(StitchMessageSerializer.INSTANCE, message)).usingRecursiveComparison().isEqualTo(message);
        }
        StitchMessage repoint = StitchMessage.repoint(PROJECT, "anonymous_id:A", "profile-2");
        assertThat(roundTrip(StitchMessageSerializer.INSTANCE, repoint)).usingRecursiveComparison().isEqualTo(repoint);
    }

    @Test
    void attributedEventsRoundTripWithEveryFieldAndNull() throws Exception {
        ProfileState state = fullState();
        AttributedEvent attributed = AttributedEvent.of(state, "user_id:42",
                new ProfileEvent("m1", "track", "Order Completed", "web", 123, null, "{\"cart_id\":\"c-é\"}", null));
        assertThat(attributed.aliases).containsExactly("profile-2");
        assertThat(roundTrip(AttributedEventSerializer.INSTANCE, attributed)).usingRecursiveComparison().isEqualTo(attributed);
        AttributedEvent empty = new AttributedEvent();
        assertThat(roundTrip(AttributedEventSerializer.INSTANCE, empty)).usingRecursiveComparison().isEqualTo(empty);
    }

    @Test
    void anUnknownFormatFailsWithItsNumber() {
        DataInputDeserializer in = new DataInputDeserializer(new byte[] {9, 0, 0});
        assertThatThrownBy(() -> ProfileStateSerializer.INSTANCE.deserialize(in))
                .hasMessageContaining("Unknown profile state format 9");
    }

    @Test
    void flinkPicksTheCompactSerializersEverywhere() {
        assertThat(TypeInformation.of(ProfileState.class)).isInstanceOf(CompactTypeInfo.class);
        assertThat(TypeInformation.of(StitchMessage.class)).isInstanceOf(CompactTypeInfo.class);
        assertThat(TypeInformation.of(ProfileEvent.class)).isInstanceOf(CompactTypeInfo.class);
        assertThat(TypeInformation.of(AttributedEvent.class)).isInstanceOf(CompactTypeInfo.class);
        // POJOs that hold them use them for those fields
        PojoTypeInfo<?> snapshot = (PojoTypeInfo<?>) TypeInformation.of(ProfileSnapshot.class);
        assertThat(snapshot.getTypeAt("state")).isInstanceOf(CompactTypeInfo.class);
    }

    /**
     * Checkpoints of earlier versions hold the profile and its held messages written by Flink's POJO serializer.
     * Restoring one migrates them: the profile keeps its traits and counters, a held message is still applied.
     */
    @Test
    void profilesCheckpointedWithThePojoSerializerAreMigratedOnRestore() throws Exception {
        ProfileState old = fullState();
        old.pendingOffer = "earlier-profile";
        StitchMessage held = StitchMessage.apply(PROJECT, old.profileId, "user_id:42", List.of("user_id:42"),
                StitchingProtocolTest.track("m-held", 9_000, "Order Completed", "{\"revenue\":20}"), false);

        OperatorSubtaskState checkpoint;
        try (var before = harness(new PojoStateWriter(old, held))) {
            before.open();
            before.processElement(new StreamRecord<>(held));
            checkpoint = before.snapshot(1, 1);
        }

        try (var after = harness(new ProfileFunction(ProjectIdentityRules.defaults(), Duration.ofSeconds(2)))) {
            after.initializeState(checkpoint);
            after.open();
            after.setProcessingTime(0);
            StitchMessage refuse = StitchMessage.refuse(PROJECT, old.profileId, "earlier-profile",
                    StitchMessage.link(PROJECT, old.profileId, "earlier-profile", "email:x@example.com", "earlier-profile", "m-link", 8_000), "limit");
            after.processElement(new StreamRecord<>(refuse));
            after.setProcessingTime(2_000);
            List<ProfileSnapshot> written = after.extractOutputValues();
            assertThat(written).hasSize(1);
            ProfileState restored = written.get(0).state;
            assertThat(restored.pendingOffer).isNull();
            assertThat(restored.traits).containsOnlyKeys("name", "city", "emoji");
            assertThat(restored.traits.get("emoji").value).isEqualTo("\"🎉\"");
            assertThat(restored.subscriptions).containsOnlyKeys("email", "push:device-1");
            assertThat(restored.merges).hasSize(1);
            assertThat(restored.eventCount).as("the held event applied after the migration").isEqualTo(old.eventCount + 1);
            assertThat(restored.orderCount).isEqualTo(old.orderCount + 1);
            assertThat(restored.revenue).isEqualTo(old.revenue + 20);
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, StitchMessage, ProfileSnapshot> harness(
            KeyedProcessFunction<String, StitchMessage, ProfileSnapshot> function) throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(function), StitchMessage::key, Types.STRING);
        harness.setStateBackend(new EmbeddedRocksDBStateBackend());
        return harness;
    }

    /** What an earlier version kept: the profile and its held messages, written by Flink's POJO serializer. */
    private static final class PojoStateWriter extends KeyedProcessFunction<String, StitchMessage, ProfileSnapshot> {
        private final ProfileState state;
        private final StitchMessage held;
        private transient ValueState<ProfileState> profile;
        private transient ListState<StitchMessage> waiting;

        PojoStateWriter(ProfileState state, StitchMessage held) {
            this.state = state;
            this.held = held;
        }

        @Override
        public void open(OpenContext openContext) {
            profile = getRuntimeContext().getState(new ValueStateDescriptor<>("profile", pojo(ProfileState.class)));
            waiting = getRuntimeContext().getListState(new ListStateDescriptor<>("waiting", pojo(StitchMessage.class)));
        }

        @Override
        public void processElement(StitchMessage message, Context context, Collector<ProfileSnapshot> out) throws Exception {
            profile.update(state);
            waiting.add(held);
        }
    }

    /** The POJO type information Flink derived for {@code type} before it had a compact serializer. */
    @SuppressWarnings("unchecked")
    private static <T> TypeInformation<T> pojo(Class<T> type) {
        List<PojoField> fields = new ArrayList<>();
        for (Field field : type.getFields()) {
            if (!Modifier.isStatic(field.getModifiers())) {
                fields.add(new PojoField(field, typeOf(field.getGenericType())));
            }
        }
        return new PojoTypeInfo<>(type, fields);
    }

    private static TypeInformation<?> typeOf(Type type) {
        if (type instanceof ParameterizedType parameterized) {
            Type[] arguments = parameterized.getActualTypeArguments();
            return parameterized.getRawType() == List.class
                    ? new ListTypeInfo<>(typeOf(arguments[0]))
                    : new MapTypeInfo<>(typeOf(arguments[0]), typeOf(arguments[1]));
        }
        Class<?> raw = (Class<?>) type;
        return raw == ProfileEvent.class || raw == ProfileState.class || raw == StitchMessage.class ? pojo(raw) : TypeInformation.of(raw);
    }

    private static ProfileState fullState() {
        ProfileState state = ProfileState.create(PROJECT, "profile-1", 1_000);
        state.identifiers.addAll(List.of("user_id:42", "email:jane@example.com", "anonymous_id:A"));
        state.traits.put("name", new ProfileState.TraitValue("\"Jane\"", 2_000, "web", "m1"));
        state.traits.put("city", new ProfileState.TraitValue("\"Lyon\"", 3_000, null, null));
        state.traits.put("emoji", new ProfileState.TraitValue("\"🎉\"", 3_500, "ios", "m2"));
        state.subscriptions.put("email", new ProfileState.Subscription("email", null, null, "opted_in", 2_000, "web", "m1"));
        state.subscriptions.put("push:device-1", new ProfileState.Subscription("push", null, "device-1", "subscribed", 2_500, "ios", "m3"));
        state.firstSeenMicros = 1_000;
        state.lastSeenMicros = 4_000;
        state.eventCount = 7;
        state.orderCount = 2;
        state.revenue = 59.9;
        state.lastOrderMicros = 3_900;
        state.merges.add(new ProfileState.MergeEntry("profile-2", "profile-1", "anonymous_id:A", "m4", 3_800));
        state.recentForwarded.add("m5");
        state.version = 11;
        return state;
    }

    private static <T> T roundTrip(CompactSerializer<T> serializer, T value) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(value, out);
        T read = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(serializer.copy(value)).usingRecursiveComparison().isEqualTo(read);
        return read;
    }
}
