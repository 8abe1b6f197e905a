package adabm.io;

import adabm.ModelFormatException;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** The F32T tensor file used for golden outputs: "F32T", int32 ndim, int32 dims, float32 data, little-endian, NCHW. */
public final class F32T {
    private F32T() { }

    public static Tensor read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        try {
            byte[] magic = new byte[4];
            b.get(magic);
            if (!new String(magic, java.nio.charset.StandardCharsets.US_ASCII).equals("F32T"))
                throw new ModelFormatException(file + ": not an F32T file (bad magic)");
            int ndim = b.getInt();
            if (ndim < 1 || ndim > 4) throw new ModelFormatException(file + ": F32T ndim " + ndim + " not in 1..4");
            int[] d = {1, 1, 1, 1};
            for (int i = 0; i < ndim; i++) d[4 - ndim + i] = b.getInt();
            long count = (long) d[0] * d[1] * d[2] * d[3];
            if (count * 4 != b.remaining())
                throw new ModelFormatException(file + ": F32T dims need " + count * 4 + " data bytes, file has " + b.remaining());
            float[] data = new float[(int) count];
            b.asFloatBuffer().get(data);
            return new Tensor(d[0], d[1], d[2], d[3], data);
        } catch (java.nio.BufferUnderflowException e) {
            throw new ModelFormatException(file + ": F32T file is truncated", e);
        }
    }

    public static void write(Tensor t, Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 + 16 + 4 * t.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.put("F32T".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(4).putInt(t.n).putInt(t.c).putInt(t.h).putInt(t.w);
        b.asFloatBuffer().put(t.data);
        Files.write(file, b.array());
    }
}
