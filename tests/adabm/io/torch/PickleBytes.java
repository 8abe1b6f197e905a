package adabm.io.torch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Hand-assembles pickle opcodes (so tests can craft hostile or unusual streams) and torch zip archives. */
final class PickleBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleBytes op(int... bytes) { for (int b : bytes) out.write(b); return this; }
    PickleBytes proto(int v) { return op(0x80, v); }
    PickleBytes global(String module, String name) { op('c'); raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII)); return this; }
    PickleBytes str(String s) { byte[] b = s.getBytes(StandardCharsets.UTF_8); op('X'); le32(b.length); raw(b); return this; }
    PickleBytes shortStr(String s) { byte[] b = s.getBytes(StandardCharsets.UTF_8); op(0x8c, b.length); raw(b); return this; }
    PickleBytes int1(int v) { return op('K', v); }
    /** LONG1 with 8 little-endian bytes: any long, for sizes beyond BININT1. */
    PickleBytes long8(long v) { op(0x8a, 8); for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i))); return this; }
    PickleBytes mark() { return op('('); }
    PickleBytes tuple() { return op('t'); }
    PickleBytes reduce() { return op('R'); }
    PickleBytes stop() { return op('.'); }
    PickleBytes emptyDict() { return op('}'); }

    /** torch's tensor record: _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict()). */
    PickleBytes tensor(String storageClass, String key, long numel, int offset, int[] size, int[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        mark().str("storage").global("torch", storageClass).str(key).str("cpu").long8(numel).tuple().op('Q');
        int1(offset);
        mark(); for (int s : size) int1(s); tuple();
        mark(); for (int s : stride) int1(s); tuple();
        op(0x89).global("collections", "OrderedDict").op(')').reduce();
        return tuple().reduce();
    }

    PickleBytes raw(byte[] b) { out.write(b, 0, b.length); return this; }
    private void le32(int v) { for (int i = 0; i < 4; i++) out.write(v >>> (8 * i)); }

    byte[] bytes() { return out.toByteArray(); }

    /** A torch.save-style zip: prefix/data.pkl, prefix/data/<key> for each storage, prefix/version. */
    static Path zip(Path file, String prefix, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            put(z, prefix + "/data.pkl", pickle);
            for (var e : storages.entrySet()) put(z, prefix + "/data/" + e.getKey(), e.getValue());
            put(z, prefix + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        return file;
    }

    private static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        z.putNextEntry(new ZipEntry(name));
        z.write(data);
        z.closeEntry();
    }
}
