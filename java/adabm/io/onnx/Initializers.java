package adabm.io.onnx;

import adabm.ModelFormatException;
import adabm.io.onnx.proto.OnnxProto.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The graph's constant tensors (initializers), decoded on demand. Sizes are checked against the bytes actually
 * present before anything is allocated, so a corrupt dims entry cannot trigger a huge allocation. Decoded float
 * arrays are cached per name: two convs that name the same initializer share one array (CARN-M's shared weights).
 */
final class Initializers {
    /** Upper bound on the elements of one initializer (Java arrays are int-indexed). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final int MAX_RANK = 8;

    private final String file;
    private final Map<String, TensorProto> protos = new HashMap<>();
    private final Map<String, float[]> floatCache = new HashMap<>();

    Initializers(String file, List<TensorProto> list) {
        this.file = file;
        for (TensorProto t : list) {
            if (t.getName().isEmpty()) throw new ModelFormatException(file + ": an initializer has an empty name");
            if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0)
                throw new ModelFormatException(where(t.getName()) + "stores its data in an external file; external data is not supported"
                        + " (re-save the model with all tensors inside the .onnx file)");
            if (protos.put(t.getName(), t) != null)
                throw new ModelFormatException(where(t.getName()) + "is defined twice");
        }
    }

    boolean contains(String name) { return protos.containsKey(name); }

    /** Dimensions, validated: rank <= 8, every entry >= 0, element count fits a Java array. */
    long[] dims(String name) {
        TensorProto t = proto(name);
        if (t.getDimsCount() > MAX_RANK) throw new ModelFormatException(where(name) + "has " + t.getDimsCount() + " dims, more than " + MAX_RANK);
        long[] d = new long[t.getDimsCount()];
        long count = 1;
        for (int i = 0; i < d.length; i++) {
            d[i] = t.getDims(i);
            if (d[i] < 0) throw new ModelFormatException(where(name) + "dims " + Arrays.toString(t.getDimsList().toArray()) + " has a negative entry");
            if (d[i] != 0 && count > MAX_ELEMENTS / d[i])
                throw new ModelFormatException(where(name) + "dims " + Arrays.toString(t.getDimsList().toArray()) + " describe more than " + MAX_ELEMENTS + " elements");
            count *= d[i];
        }
        return d;
    }

    static long elementCount(long[] dims) {
        long n = 1;
        for (long d : dims) n *= d;   // dims() has already bounded the product
        return n;
    }

    /** The values as float32; float64, float16 and bfloat16 are converted (float64 only when it fits the float range). */
    float[] floats(String name) {
        float[] cached = floatCache.get(name);
        if (cached != null) return cached;
        TensorProto t = proto(name);
        int n = (int) elementCount(dims(name));
        float[] out = new float[n];
        ByteString raw = t.getRawData();
        switch (dataType(t)) {
            case FLOAT -> {
                if (!raw.isEmpty()) rawBytes(name, raw, n, 4).asFloatBuffer().get(out);
                else { typedCount(name, t.getFloatDataCount(), n, "float_data"); for (int i = 0; i < n; i++) out[i] = t.getFloatData(i); }
            }
            case DOUBLE -> {
                double[] d = new double[n];
                if (!raw.isEmpty()) rawBytes(name, raw, n, 8).asDoubleBuffer().get(d);
                else { typedCount(name, t.getDoubleDataCount(), n, "double_data"); for (int i = 0; i < n; i++) d[i] = t.getDoubleData(i); }
                for (int i = 0; i < n; i++) {
                    out[i] = (float) d[i];
                    if (Double.isFinite(d[i]) && !Float.isFinite(out[i]))
                        throw new ModelFormatException(where(name) + "float64 value " + d[i] + " does not fit in float32");
                }
            }
            case FLOAT16, BFLOAT16 -> {
                boolean half = dataType(t) == TensorProto.DataType.FLOAT16;
                short[] bits = new short[n];
                if (!raw.isEmpty()) rawBytes(name, raw, n, 2).asShortBuffer().get(bits);
                else { typedCount(name, t.getInt32DataCount(), n, "int32_data"); for (int i = 0; i < n; i++) bits[i] = (short) t.getInt32Data(i); }
                for (int i = 0; i < n; i++)
                    out[i] = half ? Float.float16ToFloat(bits[i]) : Float.intBitsToFloat((bits[i] & 0xffff) << 16);
            }
            default -> throw new ModelFormatException(where(name) + "has data type " + typeName(t) + ", expected a floating-point tensor");
        }
        floatCache.put(name, out);
        return out;
    }

    /** The values of an integer tensor (int64, or int32) as longs: pads and similar index inputs. */
    long[] longs(String name) {
        TensorProto t = proto(name);
        int n = (int) elementCount(dims(name));
        long[] out = new long[n];
        ByteString raw = t.getRawData();
        switch (dataType(t)) {
            case INT64 -> {
                if (!raw.isEmpty()) rawBytes(name, raw, n, 8).asLongBuffer().get(out);
                else { typedCount(name, t.getInt64DataCount(), n, "int64_data"); for (int i = 0; i < n; i++) out[i] = t.getInt64Data(i); }
            }
            case INT32 -> {
                if (!raw.isEmpty()) { int[] v = new int[n]; rawBytes(name, raw, n, 4).asIntBuffer().get(v); for (int i = 0; i < n; i++) out[i] = v[i]; }
                else { typedCount(name, t.getInt32DataCount(), n, "int32_data"); for (int i = 0; i < n; i++) out[i] = t.getInt32Data(i); }
            }
            default -> throw new ModelFormatException(where(name) + "has data type " + typeName(t) + ", expected int64");
        }
        return out;
    }

    private TensorProto proto(String name) {
        TensorProto t = protos.get(name);
        if (t == null) throw new ModelFormatException(file + ": '" + name + "' is not an initializer");
        return t;
    }

    private java.nio.ByteBuffer rawBytes(String name, ByteString raw, int n, int elementSize) {
        long need = (long) n * elementSize;
        if (raw.size() != need)
            throw new ModelFormatException(where(name) + "dims need " + need + " bytes of raw_data (" + n + " x " + elementSize + "), found " + raw.size());
        return raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private void typedCount(String name, int have, int n, String field) {
        if (have != n) throw new ModelFormatException(where(name) + "dims need " + n + " values, " + field + " has " + have);
    }

    private TensorProto.DataType dataType(TensorProto t) {
        TensorProto.DataType dt = TensorProto.DataType.forNumber(t.getDataType());
        if (dt == null) throw new ModelFormatException(where(t.getName()) + "has unknown data type " + t.getDataType());
        return dt;
    }

    private String typeName(TensorProto t) { return dataType(t).name(); }

    private String where(String name) { return file + ": initializer '" + name + "' "; }
}
