package adabm.io.torch;

import adabm.ModelFormatException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pre-1.6 torch.save stream: five pickles back to back (magic number, protocol version, sys info, the
 * state_dict, the list of storage keys), then for each key an int64 element count and the raw elements.
 */
final class LegacyCheckpointReader {
    private LegacyCheckpointReader() { }

    private static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long PROTOCOL = 1001;

    /** Where one storage's elements lie in the file. */
    private record Record(String dtype, long numel, int offset) { }

    static Map<String, TorchTensor> read(byte[] data, String source) {
        SafeUnpickler magic = new SafeUnpickler(data, 0, source, null);
        if (!MAGIC.equals(asBig(magic.load()))) throw new ModelFormatException("checkpoint " + source + ": not a torch file (bad legacy magic number)");
        SafeUnpickler protocol = new SafeUnpickler(data, magic.position(), source, null);
        if (!Long.valueOf(PROTOCOL).equals(protocol.load())) throw new ModelFormatException("checkpoint " + source + ": unsupported legacy torch protocol");
        SafeUnpickler sysInfo = new SafeUnpickler(data, protocol.position(), source, null);
        Object info = sysInfo.load();
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        if (info instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"))) order = ByteOrder.BIG_ENDIAN;

        Map<String, String> dtypes = new HashMap<>();
        Map<String, Long> rootSizes = new HashMap<>();
        SafeUnpickler state = new SafeUnpickler(data, sysInfo.position(), source, (pid, where) -> {
            PersistentIds.Parsed p = PersistentIds.parse(pid, where);
            String key = p.storage().key();
            String prev = dtypes.putIfAbsent(key, p.storage().dtype());
            Long prevSize = rootSizes.putIfAbsent(key, p.rootNumel());
            if ((prev != null && !prev.equals(p.storage().dtype())) || (prevSize != null && prevSize != p.rootNumel()))
                throw where.error("storage '" + key + "' is referenced with two different types or sizes");
            return p.storage();
        });
        Object root = state.load();
        SafeUnpickler keysPickle = new SafeUnpickler(data, state.position(), source, null);
        Object keys = keysPickle.load();
        if (!(keys instanceof List<?> keyList)) throw new ModelFormatException("checkpoint " + source + ": storage key list is missing");

        Map<String, Record> records = new HashMap<>();
        ByteBuffer buf = ByteBuffer.wrap(data).order(order);
        long at = keysPickle.position();
        for (Object k : keyList) {
            String key = k instanceof String s ? s : String.valueOf(k);
            String dtype = dtypes.get(key);
            if (dtype == null) throw new ModelFormatException("checkpoint " + source + ": storage key '" + key + "' is not used by the state_dict");
            if (data.length - at < 8) throw new ModelFormatException("checkpoint " + source + ": truncated before storage '" + key + "'");
            long count = buf.getLong((int) at);
            if (count != rootSizes.get(key)) throw new ModelFormatException("checkpoint " + source + ": storage '" + key + "' holds " + count + " elements, the state_dict says " + rootSizes.get(key));
            long bytes = count * StorageDecoder.elementBytes(dtype);
            if (bytes > data.length - at - 8) throw new ModelFormatException("checkpoint " + source + ": storage '" + key + "' needs " + bytes + " bytes, only " + (data.length - at - 8) + " remain (truncated)");
            if (records.put(key, new Record(dtype, count, (int) (at + 8))) != null) throw new ModelFormatException("checkpoint " + source + ": storage '" + key + "' is listed twice");
            at += 8 + bytes;
        }
        return StateDictCollector.collect(root, source, data.length, storage -> {
            Record r = records.get(storage.key());
            if (r == null) throw new ModelFormatException("checkpoint " + source + ": storage '" + storage.key() + "' has no data record");
            int eb = StorageDecoder.elementBytes(r.dtype());
            return new StateDictCollector.StorageBytes(buf, (int) (r.offset() + storage.viewOffset() * eb), storage.numel());
        });
    }

    private static BigInteger asBig(Object o) {
        return switch (o) {
            case BigInteger b -> b;
            case Long l -> BigInteger.valueOf(l);
            default -> null;
        };
    }

}
