package io.sillage.jobs.common;

import java.lang.reflect.Type;
import java.util.Map;
import java.util.Objects;

import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Type information for a class serialized by a {@link CompactSerializer}. A class opts in with
 * {@code @TypeInfo(...Factory.class)}, so that every stream and state of that type uses the serializer.
 */
public final class CompactTypeInfo<T> extends TypeInformation<T> {
    private static final long serialVersionUID = 1;

    private final Class<T> type;
    private final CompactSerializer<T> serializer;

    public CompactTypeInfo(Class<T> type, CompactSerializer<T> serializer) {
        this.type = type;
        this.serializer = serializer;
    }

    /**
     * Base of the factory a class names in {@code @TypeInfo}: Flink instantiates it by its no-argument constructor,
     * so each serializer nests a subclass that passes its class and instance.
     */
    public abstract static class Factory<T> extends TypeInfoFactory<T> {
        private final Class<T> type;
        private final CompactSerializer<T> serializer;

        protected Factory(Class<T> type, CompactSerializer<T> serializer) {
            this.type = type;
            this.serializer = serializer;
        }

        @Override
        public TypeInformation<T> createTypeInfo(Type ignored, Map<String, TypeInformation<?>> parameters) {
            return new CompactTypeInfo<>(type, serializer);
        }
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<T> getTypeClass() {
        return type;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return serializer;
    }

    @Override
    public String toString() {
        return "Compact<" + type.getSimpleName() + ">";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CompactTypeInfo<?> that && that.canEqual(this) && type.equals(that.type);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type);
    }

    @Override
    public boolean canEqual(Object other) {
        return other instanceof CompactTypeInfo;
    }
}
