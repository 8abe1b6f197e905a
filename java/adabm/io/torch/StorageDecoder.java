package adabm.io.torch;

import adabm.ModelFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Turns a strided view of a raw storage into a contiguous float32 tensor: checks the view stays inside the storage
 * (offset, sizes and strides come from an untrusted pickle), gathers non-contiguous strides, and converts the
 * element type. Integer, half and double storages are converted to float; callers check {@link TorchTensor#dtype}.
 */
final class StorageDecoder {
    private StorageDecoder() { }

    private static final Map<String, Integer> ELEMENT_BYTES = Map.of(
            "Float", 4, "Double", 8, "Half", 2, "BFloat16", 2, "Long", 8, "Int", 4, "Short", 2, "Char", 1, "Byte", 1, "Bool", 1);

    /** "FloatStorage" → "Float"; null for an unknown storage class. */
    static String dtypeOf(String storageClass) {
        if (!storageClass.endsWith("Storage")) return null;
        String d = storageClass.substring(0, storageClass.length() - "Storage".length());
        return ELEMENT_BYTES.containsKey(d) ? d : null;
    }

    static int elementBytes(String dtype) { return ELEMENT_BYTES.get(dtype); }

    /**
     * @param raw        the storage bytes; element i of the storage starts at {@code rawOffset + i * elementBytes}
     * @param storageLen elements available in the storage from rawOffset
     */
    static TorchTensor decode(String source, String name, String dtype, ByteBuffer raw, int rawOffset, long storageLen,
                              long offset, long[] size, long[] stride) {
        String where = "checkpoint " + source + ": tensor '" + name + "'";
        long numel = 1;
        int[] shape = new int[size.length];
        try {
            for (int i = 0; i < size.length; i++) {
                if (size[i] < 0 || size[i] > Integer.MAX_VALUE) throw new ModelFormatException(where + ": invalid size " + size[i]);
                if (stride[i] < 0) throw new ModelFormatException(where + ": negative stride " + stride[i]);
                shape[i] = (int) size[i];
                numel = Math.multiplyExact(numel, size[i]);
            }
            if (numel > Integer.MAX_VALUE - 8) throw new ModelFormatException(where + ": " + numel + " elements is too many");
            if (offset < 0) throw new ModelFormatException(where + ": negative storage offset " + offset);
            if (numel > 0) {
                long last = offset;
                for (int i = 0; i < size.length; i++) last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
                if (last >= storageLen)
                    throw new ModelFormatException(where + ": view (offset " + offset + ", size " + java.util.Arrays.toString(size)
                            + ", stride " + java.util.Arrays.toString(stride) + ") reaches element " + last + " of a storage of " + storageLen);
            }
        } catch (ArithmeticException e) {
            throw new ModelFormatException(where + ": size/stride arithmetic overflows");
        }
        float[] out = new float[(int) numel];
        int eb = elementBytes(dtype);
        if (isContiguous(size, stride) && dtype.equals("Float")) {
            raw.slice(rawOffset + (int) offset * 4, out.length * 4).order(raw.order()).asFloatBuffer().get(out);
        } else {
            gather(raw, rawOffset, eb, dtype, offset, size, stride, out);
        }
        return new TorchTensor(name, dtype, shape, out);
    }

    private static boolean isContiguous(long[] size, long[] stride) {
        long expect = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expect) return false;
            expect *= size[i];
        }
        return true;
    }

    /** Row-major walk over the output, following the strides into the storage. */
    private static void gather(ByteBuffer raw, int rawOffset, int eb, String dtype, long offset, long[] size, long[] stride, float[] out) {
        int rank = size.length;
        long[] idx = new long[rank];
        long at = offset;
        for (int i = 0; i < out.length; i++) {
            out[i] = element(raw, rawOffset + (int) (at * eb), dtype);
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < size[d]) { at += stride[d]; break; }
                at -= (size[d] - 1) * stride[d];
                idx[d] = 0;
            }
        }
    }

    private static float element(ByteBuffer b, int at, String dtype) {
        return switch (dtype) {
            case "Float" -> b.getFloat(at);
            case "Double" -> (float) b.getDouble(at);
            case "Half" -> Float.float16ToFloat(b.getShort(at));
            case "BFloat16" -> Float.intBitsToFloat((b.getShort(at) & 0xffff) << 16);
            case "Long" -> (float) b.getLong(at);
            case "Int" -> (float) b.getInt(at);
            case "Short" -> (float) b.getShort(at);
            case "Char" -> (float) b.get(at);
            case "Byte", "Bool" -> (float) (b.get(at) & 0xff);
            default -> throw new IllegalStateException(dtype);
        };
    }

    static ByteOrder order(boolean littleEndian) { return littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN; }
}
