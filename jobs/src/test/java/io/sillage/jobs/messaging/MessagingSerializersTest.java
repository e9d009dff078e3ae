package io.sillage.jobs.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.sillage.jobs.automation.ActivationRequest;
import io.sillage.jobs.automation.ActivationRequestSerializer;
import io.sillage.jobs.common.CompactSerializer;
import io.sillage.jobs.common.CompactTypeInfo;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class MessagingSerializersTest {
    @Test
    void aDeliveryRoundTripsWithEveryFieldSetAndWithNone() throws Exception {
        Delivery full = filled(new Delivery());
        assertThat(roundTrip(DeliverySerializer.INSTANCE, full)).usingRecursiveComparison().isEqualTo(full);
        assertThat(roundTrip(DeliverySerializer.INSTANCE, full).parts.keySet()).as("part order kept").containsExactly("a", "b");
        assertThat(roundTrip(DeliverySerializer.INSTANCE, new Delivery())).usingRecursiveComparison().isEqualTo(new Delivery());

        Delivery empty = new Delivery();
        empty.headers = Map.of();
        assertThat(roundTrip(DeliverySerializer.INSTANCE, empty).headers).isEmpty();
    }

    @Test
    void anActivationRequestRoundTripsWithEveryFieldSetAndWithNone() throws Exception {
        ActivationRequest full = filled(new ActivationRequest());
        assertThat(roundTrip(ActivationRequestSerializer.INSTANCE, full)).usingRecursiveComparison().isEqualTo(full);
        assertThat(roundTrip(ActivationRequestSerializer.INSTANCE, new ActivationRequest())).usingRecursiveComparison().isEqualTo(new ActivationRequest());
    }

    /** Checkpoints of earlier versions hold deliveries and requests written by the POJO serializer: restoring migrates them. */
    @Test
    void flinkUsesThemAndMigratesStateTheyReplace() {
        assertThat(TypeInformation.of(Delivery.class)).isInstanceOf(CompactTypeInfo.class);
        assertThat(TypeInformation.of(ActivationRequest.class)).isInstanceOf(CompactTypeInfo.class);
        for (Class<?> type : new Class<?>[] {Delivery.class, ActivationRequest.class}) {
            migrates(type);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void migrates(Class<T> type) {
        // the POJO type information Flink derived before the compact serializer: strings, numbers, Map<String, String>
        List<PojoField> fields = new ArrayList<>();
        for (Field field : type.getFields()) {
            if (!Modifier.isStatic(field.getModifiers())) {
                fields.add(new PojoField(field, field.getType() == Map.class ? new MapTypeInfo<>(String.class, String.class) : TypeInformation.of(field.getType())));
            }
        }
        PojoTypeInfo<T> pojo = new PojoTypeInfo<>(type, fields);
        CompactTypeInfo<T> compact = (CompactTypeInfo<T>) TypeInformation.of(type);
        var old = pojo.createSerializer(new SerializerConfigImpl()).snapshotConfiguration();
        TypeSerializerSchemaCompatibility<T> compatibility = compact.createSerializer(new SerializerConfigImpl()).snapshotConfiguration()
                .resolveSchemaCompatibility(old);
        assertThat(compatibility.isCompatibleAfterMigration()).as(type.getSimpleName()).isTrue();
    }

    /** Sets every public field to a value of its own, so that a field the serializer forgets fails the comparison. */
    private static <T> T filled(T value) throws IllegalAccessException {
        int n = 0;
        for (Field field : value.getClass().getFields()) {
            if (Modifier.isStatic(field.getModifiers())) {
                continue;
            }
            n++;
            Class<?> type = field.getType();
            if (type == String.class) {
                field.set(value, field.getName() + " é " + n);
            }
            else if (type == int.class) {
                field.setInt(value, 1000 + n);
            }
            else if (type == long.class) {
                field.setLong(value, 1_000_000_000_000L + n);
            }
            else if (type == Map.class) {
                Map<String, String> map = new LinkedHashMap<>();
                map.put("a", field.getName());
                map.put("b", null);
                field.set(value, map);
            }
            else {
                throw new AssertionError("a field of a type this test does not fill: " + field);
            }
        }
        return value;
    }

    private static <T> T roundTrip(CompactSerializer<T> serializer, T value) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(value, out);
        return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}
