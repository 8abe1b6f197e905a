package adabm.io.torch;

import adabm.ModelFormatException;
import adabm.io.torch.PyObjects.StorageRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The torch >= 1.6 format: a zip archive with {@code <prefix>/data.pkl} (the state_dict pickle),
 * {@code <prefix>/data/<key>} (one raw storage per key), and {@code byteorder}/{@code version} records.
 * Every entry is read with a byte budget so a forged size or a compression bomb cannot exhaust memory.
 * ZipFile (central directory) rather than ZipInputStream: torch writes STORED entries with data descriptors,
 * which ZipInputStream refuses.
 */
final class ZipCheckpointReader {
    private ZipCheckpointReader() { }

    static Map<String, TorchTensor> read(Path file, String source, long fileBytes) {
        // torch writes storages uncompressed, so the entries' total cannot legitimately exceed the file by much
        long[] budget = {Math.min(Integer.MAX_VALUE - 16L, 4 * fileBytes + (64L << 20))};
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = findPrefix(zip, source);
            if (zip.getEntry(prefix + "constants.pkl") != null)
                throw new ModelFormatException("checkpoint " + source + ": a TorchScript archive (torch.jit.save), not a state_dict; save it with torch.save(model.state_dict(), path)");
            ByteOrder order = byteOrder(zip, prefix, source, budget);
            byte[] pickle = entry(zip, prefix + "data.pkl", source, budget);
            Map<String, ByteBuffer> cache = new HashMap<>();
            Object root = new SafeUnpickler(pickle, 0, source + " (data.pkl)", (pid, where) -> PersistentIds.parse(pid, where).storage()).load();
            return StateDictCollector.collect(root, source, fileBytes, storage -> {
                ByteBuffer b = cache.get(storage.key());
                if (b == null) {
                    b = ByteBuffer.wrap(entry(zip, prefix + "data/" + storage.key(), source, budget)).order(order);
                    cache.put(storage.key(), b);
                }
                return checked(b, storage, source);
            });
        } catch (IOException | RuntimeException e) {
            if (e instanceof ModelFormatException m) throw m;
            // java.util.zip reports malformed archives as ZipException and occasionally as IllegalArgumentException
            throw new ModelFormatException("checkpoint " + source + ": corrupt zip archive: " + e.getMessage(), e);
        }
    }

    private static StateDictCollector.StorageBytes checked(ByteBuffer b, StorageRef storage, String source) {
        long need = storage.numel() * StorageDecoder.elementBytes(storage.dtype());
        if (b.capacity() < need)
            throw new ModelFormatException("checkpoint " + source + ": storage '" + storage.key() + "' has " + b.capacity()
                    + " bytes, its " + storage.numel() + " " + storage.dtype() + " elements need " + need);
        return new StateDictCollector.StorageBytes(b, 0, storage.numel());
    }

    /** The archive's top folder: the one entry named {@code <prefix>/data.pkl}. */
    private static String findPrefix(ZipFile zip, String source) {
        String found = null;
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String name = en.nextElement().getName();
            if (name.endsWith("data.pkl") && (name.equals("data.pkl") || (name.indexOf('/') == name.length() - 9 && name.endsWith("/data.pkl")))) {
                if (found != null) throw new ModelFormatException("checkpoint " + source + ": two data.pkl records in the archive");
                found = name.substring(0, name.length() - "data.pkl".length());
            }
        }
        if (found == null) throw new ModelFormatException("checkpoint " + source + ": zip archive has no <name>/data.pkl record (not a torch.save file)");
        return found;
    }

    private static ByteOrder byteOrder(ZipFile zip, String prefix, String source, long[] budget) {
        if (zip.getEntry(prefix + "byteorder") == null) return ByteOrder.LITTLE_ENDIAN; // written only since torch 1.13; older files are little-endian
        String s = new String(entry(zip, prefix + "byteorder", source, budget), StandardCharsets.US_ASCII).trim();
        return switch (s) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new ModelFormatException("checkpoint " + source + ": byteorder record says '" + s + "'");
        };
    }

    private static byte[] entry(ZipFile zip, String name, String source, long[] budget) {
        try {
            return readEntry(zip, name, source, budget);
        } catch (IOException e) {
            throw new ModelFormatException("checkpoint " + source + ": cannot read record '" + name + "': " + e.getMessage(), e);
        }
    }

    private static byte[] readEntry(ZipFile zip, String name, String source, long[] budget) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) throw new ModelFormatException("checkpoint " + source + ": archive has no record '" + name + "'");
        long declared = e.getSize();
        if (declared > budget[0]) throw new ModelFormatException("checkpoint " + source + ": record '" + name + "' declares " + declared + " bytes, over the size limit");
        try (InputStream in = zip.getInputStream(e)) {
            var out = new java.io.ByteArrayOutputStream(declared > 0 ? (int) declared : 1024);
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                budget[0] -= n;
                if (budget[0] < 0) throw new ModelFormatException("checkpoint " + source + ": record '" + name + "' expands beyond the size limit");
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }
}
