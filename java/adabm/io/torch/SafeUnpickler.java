package adabm.io.torch;

import adabm.ModelFormatException;
import adabm.io.torch.PyObjects.Global;
import adabm.io.torch.PyObjects.None;
import adabm.io.torch.PyObjects.Tuple;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle interpreter for PyTorch state_dicts that never executes anything. It implements only the opcodes that
 * torch.save emits for a state_dict (protocols 2-5), resolves globals against a fixed allow-list to inert
 * {@link Global} markers, and interprets the few allowed calls (OrderedDict(), _rebuild_tensor_v2, _rebuild_parameter)
 * itself. Every read is bounds-checked and the stack, mark stack and memo are bounded, so a malformed or hostile
 * stream ends in a {@link ModelFormatException} naming the file and byte offset.
 */
public final class SafeUnpickler {
    /** Resolves a persistent id (BINPERSID), e.g. ('storage', FloatStorage, key, location, numel). */
    @FunctionalInterface
    public interface PersistentLoader { Object load(Object pid, SafeUnpickler where); }

    static final Set<String> STORAGE_TYPES = Set.of(
            "FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage",
            "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage");
    private static final Set<String> ALLOWED = Set.of(
            "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter");

    private static final int MAX_STACK = 1 << 20;
    private static final int MAX_MARKS = 1 << 16;
    private static final int MAX_MEMO = 1 << 20;
    private static final int MAX_LONG_BYTES = 64;

    private final byte[] data;
    private final String source;
    private final PersistentLoader persistent;
    private int pos;
    private int opStart;
    private final List<Object> stack = new ArrayList<>();
    private final int[] marks = new int[MAX_MARKS];
    private int markCount;
    private final Map<Long, Object> memo = new HashMap<>();

    /** Reads one pickle starting at {@code start}; {@code source} names the file (and entry) in error messages. */
    public SafeUnpickler(byte[] data, int start, String source, PersistentLoader persistent) {
        this.data = data;
        this.pos = start;
        this.source = source;
        this.persistent = persistent;
    }

    /** Offset just after the STOP opcode once {@link #load} returned. */
    public int position() { return pos; }

    /** Runs the pickle up to STOP and returns its value. */
    public Object load() {
        while (true) {
            opStart = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v < 2 || v > 5) throw error("unsupported pickle protocol " + v);
                }
                case 0x95 -> { // FRAME: an 8-byte length hint; frames need no special handling when all bytes are in memory
                    long len = u64();
                    if (len < 0 || len > data.length - pos) throw error("frame of " + len + " bytes runs past the end");
                }
                case '.' -> { // STOP
                    if (stack.isEmpty()) throw error("STOP with an empty stack");
                    return stack.removeLast();
                }
                case '(' -> { // MARK
                    if (markCount == MAX_MARKS) throw error("too many nested MARKs");
                    marks[markCount++] = stack.size();
                }
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case '}' -> push(new LinkedHashMap<Object, Object>()); // EMPTY_DICT
                case ']' -> push(new ArrayList<Object>()); // EMPTY_LIST
                case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                case 't' -> push(new Tuple(popMark())); // TUPLE
                case 0x85 -> push(new Tuple(List.of(pop()))); // TUPLE1
                case 0x86 -> { Object b = pop(), a = pop(); push(new Tuple(List.of(a, b))); } // TUPLE2
                case 0x87 -> { Object c = pop(), b = pop(), a = pop(); push(new Tuple(List.of(a, b, c))); } // TUPLE3
                case 'q' -> memoPut(u8()); // BINPUT
                case 'r' -> memoPut(u32()); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(u32())); // LONG_BINGET
                case 'J' -> push((long) i32()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) (u8() | (u8() << 8))); // BININT2
                case 0x8a -> push(readLong(u8())); // LONG1
                case 0x8b -> push(readLong(i32())); // LONG4
                case 'G' -> push(Double.longBitsToDouble(u64BigEndian())); // BINFLOAT (big-endian)
                case 'N' -> push(None.NONE);
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'X' -> push(utf8(length(u32()))); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(length(u64()))); // BINUNICODE8
                case 'T' -> push(latin1(length(i32()))); // BINSTRING
                case 'U' -> push(latin1(u8())); // SHORT_BINSTRING
                case 'B' -> push(bytes(length(u32()))); // BINBYTES
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e -> push(bytes(length(u64()))); // BINBYTES8
                case 'c' -> push(global(line(), line())); // GLOBAL "module\nname\n"
                case 0x93 -> { Object name = pop(), module = pop(); push(global(string(module, "module"), string(name, "name"))); } // STACK_GLOBAL
                case 'R' -> { Object args = pop(), callable = pop(); push(call(callable, args)); } // REDUCE
                case 0x81 -> { Object args = pop(), cls = pop(); push(call(cls, args)); } // NEWOBJ
                case 'b' -> build(pop(), peek()); // BUILD
                case 'Q' -> { // BINPERSID
                    Object pid = pop();
                    if (persistent == null) throw error("persistent id without a storage loader");
                    push(persistent.load(pid, this));
                }
                case 's' -> { Object v = pop(), k = pop(); dict(peek()).put(key(k), v); } // SETITEM
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    if (items.size() % 2 != 0) throw error("SETITEMS with an odd number of items");
                    Map<Object, Object> d = dict(peek());
                    for (int i = 0; i < items.size(); i += 2) d.put(key(items.get(i)), items.get(i + 1));
                }
                case 'a' -> { Object v = pop(); list(peek()).add(v); } // APPEND
                case 'e' -> { List<Object> items = popMark(); list(peek()).addAll(items); } // APPENDS
                default -> throw error("unsupported pickle opcode 0x" + Integer.toHexString(op) + describeOpcode(op));
            }
        }
    }

    /** A ModelFormatException naming the file and the offset of the opcode being executed. */
    public ModelFormatException error(String what) {
        return new ModelFormatException("checkpoint " + source + ": " + what + " (pickle offset " + opStart + ")");
    }

    // ---- calls: only the allow-listed callables, interpreted here ----

    private Object call(Object callable, Object args) {
        if (!(callable instanceof Global g)) throw error("call of a non-global " + describe(callable));
        if (!(args instanceof Tuple t)) throw error("call of " + g.qualified() + " with non-tuple arguments");
        return switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                if (t.size() != 0) throw error("OrderedDict called with arguments");
                yield new LinkedHashMap<Object, Object>();
            }
            case "torch._utils._rebuild_tensor_v2" -> rebuildTensor(t);
            case "torch._utils._rebuild_parameter" -> {
                if (t.size() < 1 || !(t.get(0) instanceof PyObjects.TensorRef tensor))
                    throw error("_rebuild_parameter without a tensor argument");
                yield tensor;
            }
            default -> throw error("global '" + g.qualified() + "' is not callable here");
        };
    }

    private PyObjects.TensorRef rebuildTensor(Tuple t) {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (t.size() < 4) throw error("_rebuild_tensor_v2 with " + t.size() + " arguments");
        if (!(t.get(0) instanceof PyObjects.StorageRef storage)) throw error("_rebuild_tensor_v2: first argument is not a storage");
        long offset = integer(t.get(1), "storage offset");
        long[] size = intTuple(t.get(2), "size");
        long[] stride = intTuple(t.get(3), "stride");
        if (size.length != stride.length) throw error("_rebuild_tensor_v2: size has " + size.length + " dims, stride " + stride.length);
        return new PyObjects.TensorRef(storage, offset, size, stride);
    }

    private long[] intTuple(Object o, String what) {
        if (!(o instanceof Tuple t)) throw error("tensor " + what + " is not a tuple");
        if (t.size() > 8) throw error("tensor " + what + " has " + t.size() + " dims");
        long[] v = new long[t.size()];
        for (int i = 0; i < v.length; i++) v[i] = integer(t.get(i), what);
        return v;
    }

    long integer(Object o, String what) {
        if (o instanceof Long l) return l;
        throw error(what + " is not an integer: " + describe(o));
    }

    /** BUILD sets an object's state; the only object a state_dict builds is the OrderedDict (its _metadata). */
    private void build(Object state, Object target) {
        if (target instanceof LinkedHashMap<?, ?> && (state instanceof Map<?, ?> || state == None.NONE)) return;
        throw error("BUILD of " + describe(target) + " is not supported");
    }

    private Global global(String module, String name) {
        String q = module + "." + name;
        boolean storage = module.equals("torch") && STORAGE_TYPES.contains(name);
        if (!storage && !ALLOWED.contains(q)) throw error("pickle references forbidden global '" + q + "'");
        return new Global(module, name);
    }

    // ---- stack, marks, memo ----

    private void push(Object o) {
        if (stack.size() >= MAX_STACK) throw error("pickle stack exceeds " + MAX_STACK + " entries");
        stack.add(o);
    }

    private Object pop() {
        if (stack.size() <= (markCount > 0 ? marks[markCount - 1] : 0)) throw error("pop from an empty stack");
        return stack.removeLast();
    }

    private Object peek() {
        if (stack.size() <= (markCount > 0 ? marks[markCount - 1] : 0)) throw error("stack underflow");
        return stack.getLast();
    }

    private List<Object> popMark() {
        if (markCount == 0) throw error("no MARK on the stack");
        int m = marks[--markCount];
        List<Object> tail = stack.subList(m, stack.size());
        List<Object> items = new ArrayList<>(tail);
        tail.clear();
        return items;
    }

    private void memoPut(long index) {
        if (!memo.containsKey(index) && memo.size() >= MAX_MEMO) throw error("memo exceeds " + MAX_MEMO + " entries");
        memo.put(index, peek());
    }

    private Object memoGet(long index) {
        Object o = memo.get(index);
        if (o == null) throw error("memo index " + index + " was never stored");
        return o;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw error("SETITEM on " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw error("APPEND on " + describe(o));
    }

    /** Dict keys must be hashable values; this also keeps a self-containing list out of hashCode(). */
    private Object key(Object k) {
        if (hashable(k, 0)) return k;
        throw error("unhashable dict key " + describe(k));
    }

    private static boolean hashable(Object k, int depth) {
        if (k instanceof String || k instanceof Long || k instanceof BigInteger || k instanceof Boolean
                || k instanceof Double || k == None.NONE) return true;
        if (k instanceof Tuple t && depth < 8) {
            for (Object o : t.items()) if (!hashable(o, depth + 1)) return false;
            return true;
        }
        return false;
    }

    // ---- bounded reads ----

    private void need(long n) {
        if (n < 0 || n > data.length - pos) throw error("truncated pickle: needs " + n + " more bytes at offset " + pos + ", file has " + (data.length - pos));
    }

    private int u8() { need(1); return data[pos++] & 0xff; }

    private int i32() { need(4); int v = (data[pos] & 0xff) | (data[pos + 1] & 0xff) << 8 | (data[pos + 2] & 0xff) << 16 | (data[pos + 3] & 0xff) << 24; pos += 4; return v; }

    private long u32() { return i32() & 0xffffffffL; }

    private long u64() { long lo = u32(); long hi = u32(); return lo | hi << 32; }

    private long u64BigEndian() { need(8); long v = 0; for (int i = 0; i < 8; i++) v = v << 8 | (data[pos++] & 0xff); return v; }

    private int length(long n) {
        if (n < 0 || n > data.length - pos) throw error("string or bytes length " + n + " runs past the end of the pickle");
        return (int) n;
    }

    private byte[] bytes(int n) { need(n); byte[] b = java.util.Arrays.copyOfRange(data, pos, pos + n); pos += n; return b; }

    private String utf8(int n) { return new String(bytes(n), StandardCharsets.UTF_8); }

    private String latin1(int n) { return new String(bytes(n), StandardCharsets.ISO_8859_1); }

    /** A GLOBAL argument line, at most 256 bytes, ASCII up to the newline. */
    private String line() {
        int start = pos;
        while (true) {
            int b = u8();
            if (b == '\n') return new String(data, start, pos - 1 - start, StandardCharsets.US_ASCII);
            if (pos - start > 256) throw error("GLOBAL name longer than 256 bytes");
        }
    }

    private Object readLong(int n) {
        if (n < 0 || n > MAX_LONG_BYTES) throw error("integer of " + n + " bytes");
        byte[] le = bytes(n);
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String string(Object o, String what) {
        if (o instanceof String s) return s;
        throw error("STACK_GLOBAL " + what + " is not a string: " + describe(o));
    }

    /** A short, depth-bounded description of a value (values may contain themselves through the memo). */
    static String describe(Object o) {
        return switch (o) {
            case null -> "null";
            case String s -> "'" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "'";
            case Long l -> l.toString();
            case Global g -> "global " + g.qualified();
            case Tuple t -> "tuple of " + t.size();
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            default -> o.getClass().getSimpleName();
        };
    }

    private static String describeOpcode(int op) {
        return op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : "";
    }
}
