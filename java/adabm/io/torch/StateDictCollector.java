package adabm.io.torch;

import adabm.ModelFormatException;
import adabm.io.torch.PyObjects.StorageRef;
import adabm.io.torch.PyObjects.TensorRef;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turns the unpickled state_dict (a dict of tensor views) into named float tensors, reading each storage once. */
final class StateDictCollector {
    private StateDictCollector() { }

    /** The raw bytes of one storage: element i starts at offset + i * elementBytes; {@code elements} are available. */
    record StorageBytes(ByteBuffer buffer, int offset, long elements) { }

    interface StorageSource { StorageBytes bytes(StorageRef storage); }

    /** Wrapper keys under which training scripts nest the state_dict. */
    private static final String[] NESTED = {"state_dict", "model", "params", "params_ema"};

    /** Never materialise more floats than this per checkpoint byte (stride-0 views could otherwise expand a tiny file). */
    private static final long EXPANSION = 4;

    static Map<String, TorchTensor> collect(Object root, String source, long fileBytes, StorageSource storages) {
        Map<?, ?> dict = unwrap(root, source);
        Map<String, TorchTensor> out = new LinkedHashMap<>();
        long budget = EXPANSION * fileBytes + (1 << 20);
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getValue() instanceof TensorRef t)) continue; // non-tensor extras (e.g. an epoch counter) are not weights
            if (!(e.getKey() instanceof String name)) throw new ModelFormatException("checkpoint " + source + ": a tensor has a non-string key " + SafeUnpickler.describe(e.getKey()));
            StorageBytes raw = storages.bytes(t.storage());
            TorchTensor tensor = StorageDecoder.decode(source, name, t.storage().dtype(), raw.buffer(), raw.offset(), raw.elements(), t.offset(), t.size(), t.stride());
            budget -= tensor.numel();
            if (budget < 0) throw new ModelFormatException("checkpoint " + source + ": tensor '" + name + "' expands the file's storages beyond " + EXPANSION + " floats per byte");
            out.put(name, tensor);
        }
        if (out.isEmpty()) throw new ModelFormatException("checkpoint " + source + ": the pickled dict holds no tensors (keys: " + keysOf(dict) + ")");
        return Collections.unmodifiableMap(out);
    }

    private static Map<?, ?> unwrap(Object root, String source) {
        if (!(root instanceof Map<?, ?> dict)) throw new ModelFormatException("checkpoint " + source + ": top-level object is " + SafeUnpickler.describe(root) + ", not a state_dict");
        boolean anyTensor = dict.values().stream().anyMatch(v -> v instanceof TensorRef);
        if (!anyTensor)
            for (String k : NESTED)
                if (dict.get(k) instanceof Map<?, ?> inner) return inner;
        return dict;
    }

    private static String keysOf(Map<?, ?> dict) {
        StringBuilder b = new StringBuilder();
        int n = 0;
        for (Object k : dict.keySet()) {
            if (n++ == 8) { b.append(", ..."); break; }
            if (b.length() > 0) b.append(", ");
            b.append(SafeUnpickler.describe(k));
        }
        return b.toString();
    }
}
