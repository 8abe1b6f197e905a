package adabm.io.torch;

import adabm.io.torch.PyObjects.Global;
import adabm.io.torch.PyObjects.StorageRef;
import adabm.io.torch.PyObjects.Tuple;

/** Decodes torch's storage persistent ids: ('storage', torch.XStorage, key, location, numel[, view_metadata]). */
final class PersistentIds {
    private PersistentIds() { }

    /** The storage a pid names, and for legacy views the (root numel) to check against the root's data record. */
    record Parsed(StorageRef storage, long rootNumel) { }

    static Parsed parse(Object pid, SafeUnpickler where) {
        if (!(pid instanceof Tuple t) || t.size() < 5 || !"storage".equals(t.get(0)))
            throw where.error("persistent id is not a ('storage', type, key, location, numel) tuple");
        if (!(t.get(1) instanceof Global g) || !g.module().equals("torch") || StorageDecoder.dtypeOf(g.name()) == null)
            throw where.error("persistent id names an unknown storage type " + SafeUnpickler.describe(t.get(1)));
        String key = switch (t.get(2)) {
            case String s -> s;
            case Long l -> l.toString();
            default -> throw where.error("storage key is " + SafeUnpickler.describe(t.get(2)));
        };
        long numel = where.integer(t.get(4), "storage size");
        // a storage lies inside the file, and files are at most 1 GiB: this also keeps numel * elementBytes from overflowing
        if (numel < 0 || numel > TorchCheckpoint.MAX_FILE_BYTES) throw where.error("storage size " + numel + " is out of range");
        String dtype = StorageDecoder.dtypeOf(g.name());
        if (t.size() > 5 && t.get(5) instanceof Tuple view) {
            // legacy view: (view_key, offset, view_size) into the root storage
            if (view.size() != 3) throw where.error("storage view metadata has " + view.size() + " fields");
            long offset = where.integer(view.get(1), "view offset");
            long viewSize = where.integer(view.get(2), "view size");
            if (offset < 0 || viewSize < 0 || offset > numel - viewSize) throw where.error("storage view [" + offset + ", +" + viewSize + ") outside a storage of " + numel);
            return new Parsed(new StorageRef(dtype, key, viewSize, offset), numel);
        }
        return new Parsed(new StorageRef(dtype, key, numel, 0), numel);
    }
}
