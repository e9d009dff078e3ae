package io.sillage.jobs.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A hand-written binary serializer for a type on the hot path (keyed state read and written on every event,
 * records crossing the network on every event). Flink's POJO serializer sets each field by reflection and writes
 * strings a character at a time through a thread-local buffer; here fields are written in a fixed order and
 * strings as UTF-8 bytes, which the JDK encodes and decodes as array copies for ASCII text.
 *
 * <p>Every value starts with a format byte, so a later format can still read the earlier ones. State written by
 * the POJO serializer of an earlier Sillage version is migrated on restore (read with the POJO serializer, written
 * again with this one): see {@link Snapshot}.
 */
public abstract class CompactSerializer<T> extends TypeSerializerSingleton<T> {
    private static final long serialVersionUID = 1;

    /** Writes {@code value}, never null, in the current format. */
    protected abstract void write(T value, DataOutputView out) throws IOException;

    /** Reads a value written by {@link #write}. */
    protected abstract T read(DataInputView in) throws IOException;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public T copy(T from) {
        if (from == null) {
            return null;
        }
        try {
            DataOutputSerializer buffer = new DataOutputSerializer(256);
            write(from, buffer);
            return read(new DataInputDeserializer(buffer.getSharedBuffer(), 0, buffer.length()));
        }
        catch (IOException e) {
            throw new IllegalStateException("Cannot copy " + from.getClass().getSimpleName(), e);
        }
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(T record, DataOutputView target) throws IOException {
        write(record, target);
    }

    @Override
    public T deserialize(DataInputView source) throws IOException {
        return read(source);
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return read(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        write(read(source), target);
    }

    /** Reads the format byte and fails clearly on one this version does not know. */
    protected static int format(DataInputView in, int newest, String type) throws IOException {
        int format = in.readUnsignedByte();
        if (format < 1 || format > newest) {
            throw new IOException("Unknown " + type + " format " + format + " (this version reads 1 to " + newest + ")");
        }
        return format;
    }

    /** A string or null: its UTF-8 length plus one as a varint (0 for null), then the bytes. */
    public static void writeString(String value, DataOutputView out) throws IOException {
        if (value == null) {
            out.writeByte(0);
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        writeVarInt(bytes.length + 1, out);
        out.write(bytes);
    }

    public static String readString(DataInputView in) throws IOException {
        int length = readVarInt(in) - 1;
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A list of strings (null written as empty): its size as a varint, then each string. */
    public static void writeStrings(List<String> values, DataOutputView out) throws IOException {
        writeVarInt(values == null ? 0 : values.size(), out);
        if (values != null) {
            for (String value : values) {
                writeString(value, out);
            }
        }
    }

    public static List<String> readStrings(DataInputView in) throws IOException {
        int count = readVarInt(in);
        List<String> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            values.add(readString(in));
        }
        return values;
    }

    /** A map of strings or null: its size plus one as a varint (0 for null), then keys and values; the order is kept. */
    public static void writeStringMap(Map<String, String> map, DataOutputView out) throws IOException {
        if (map == null) {
            writeVarInt(0, out);
            return;
        }
        writeVarInt(map.size() + 1, out);
        for (Map.Entry<String, String> entry : map.entrySet()) {
            writeString(entry.getKey(), out);
            writeString(entry.getValue(), out);
        }
    }

    public static Map<String, String> readStringMap(DataInputView in) throws IOException {
        int size = readVarInt(in) - 1;
        if (size < 0) {
            return null;
        }
        Map<String, String> map = new LinkedHashMap<>(size * 2);
        for (int i = 0; i < size; i++) {
            map.put(readString(in), readString(in));
        }
        return map;
    }

    /** An unsigned int in 1 to 5 bytes, 7 bits at a time. */
    public static void writeVarInt(int value, DataOutputView out) throws IOException {
        while ((value & ~0x7F) != 0) {
            out.writeByte((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.writeByte(value);
    }

    public static int readVarInt(DataInputView in) throws IOException {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readUnsignedByte();
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("Malformed varint");
    }

    /**
     * The serializer's snapshot in checkpoints. Besides itself it accepts the POJO serializer that earlier Sillage
     * versions used for the same state: Flink then migrates the state on restore.
     */
    public abstract static class Snapshot<T> extends SimpleTypeSerializerSnapshot<T> {
        private final Supplier<? extends TypeSerializer<T>> serializer;

        protected Snapshot(Supplier<? extends TypeSerializer<T>> serializer) {
            super(serializer);
            this.serializer = serializer;
        }

        @Override
        public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> oldSnapshot) {
            if (oldSnapshot instanceof PojoSerializerSnapshot<T> pojo
                    && pojo.restoreSerializer().createInstance().getClass() == serializer.get().createInstance().getClass()) {
                return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            }
            return super.resolveSchemaCompatibility(oldSnapshot);
        }
    }
}
