package adabm.io.torch;

import java.util.List;

/** The few Python values the safe unpickler builds besides Java strings, numbers, lists and maps. */
final class PyObjects {
    private PyObjects() { }

    /** An immutable Python tuple. */
    record Tuple(List<Object> items) {
        Tuple { items = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(items)); }
        int size() { return items.size(); }
        Object get(int i) { return items.get(i); }
    }

    /** A reference to an allow-listed global (class or function); it is never resolved to code. */
    record Global(String module, String name) {
        String qualified() { return module + "." + name; }
    }

    /** A storage named by a persistent id: element type, archive key, element count; base offset for legacy views. */
    record StorageRef(String dtype, String key, long numel, long viewOffset) { }

    /** torch._utils._rebuild_tensor_v2 arguments: a strided view of a storage. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) { }

    /** Python None (the VM's stack is a Java list, which could hold null, but a named value reads better in errors). */
    enum None { NONE }
}
