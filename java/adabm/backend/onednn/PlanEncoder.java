package adabm.backend.onednn;

import adabm.AdabmException;
import adabm.UnsupportedOpException;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.quant.LayerQuant;
import adabm.quant.QuantModel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Serialises a {@link Graph} into the binary plan description that native/src/plan_format.h documents and parses
 * (version 1, little-endian). Tensor 0 is the graph input and tensor i+1 the output of op i; parameter arrays are
 * written once and referenced by index, so convs that share one weight array (CARN-M) share it natively too.
 * The description is written straight into native memory: no heap copy of the weights is made.
 */
public final class PlanEncoder {
    public static final int MAGIC = 0x50424441;   // "ADBP"
    public static final int VERSION = 1;
    /** Version 2: every conv also carries its fake quantizer (the integer plan, {@link Int8Plan}). */
    public static final int QUANT_VERSION = 2;

    static final int CONV = 1, RELU = 2, PRELU = 3, LEAKY_RELU = 4, ADD = 5, SUB = 6, AFFINE = 7, CONCAT = 8,
            DEPTH_TO_SPACE = 9, PAD = 10, RESIZE_NEAREST = 11;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private PlanEncoder() { }

    /** The description as a byte array (for inspection and tests). */
    public static byte[] encode(Graph graph) {
        try (Arena arena = Arena.ofConfined()) {
            return encode(graph, arena).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** The description in a segment of arena, sized exactly. */
    public static MemorySegment encode(Graph graph, Arena arena) { return encode(graph, null, arena); }

    /**
     * With a quantized model: a version-2 description whose convs carry their quantizer (quantized flag, weight bits,
     * weight bound, activation bounds) from the model's layers; float layers are flagged unquantized.
     */
    public static MemorySegment encode(Graph graph, QuantModel quant, Arena arena) {
        Map<String, Integer> tensors = new HashMap<>();
        tensors.put(graph.input(), 0);
        List<Op> ops = graph.ops();
        for (int i = 0; i < ops.size(); i++) tensors.put(ops.get(i).output(), i + 1);

        // ops go to a small int list first: they number the blobs, which precede them in the description
        Map<float[], Integer> blobIds = new IdentityHashMap<>();
        List<float[]> blobs = new ArrayList<>();
        Ints body = new Ints();
        for (Op op : ops) {
            writeOp(body, op, tensors, blob -> blobIds.computeIfAbsent(blob, b -> { blobs.add(b); return blobs.size() - 1; }));
            if (quant != null && op instanceof Op.Conv2d c) writeQuantizer(body, quant.layer(c.name()));
        }

        long size = 24L + 4L * body.size;
        for (float[] b : blobs) size += 4 + 4L * b.length;
        MemorySegment out = arena.allocate(size, 8);
        long pos = 0;
        for (int v : new int[] {MAGIC, quant == null ? VERSION : QUANT_VERSION, graph.inputChannels(), ops.size(), tensors.get(graph.output()), blobs.size()}) {
            out.set(U32, pos, v);
            pos += 4;
        }
        for (float[] b : blobs) {
            out.set(U32, pos, b.length);
            MemorySegment.copy(b, 0, out, F32, pos + 4, b.length);
            pos += 4 + 4L * b.length;
        }
        MemorySegment.copy(body.values, 0, out, U32, pos, body.size);
        return out;
    }

    private interface BlobIndex { int of(float[] blob); }

    private static void writeOp(Ints w, Op op, Map<String, Integer> tensors, BlobIndex blobs) {
        int kind = switch (op) {
            case Op.Conv2d c -> CONV;
            case Op.Relu r -> RELU;
            case Op.PRelu p -> PRELU;
            case Op.LeakyRelu l -> LEAKY_RELU;
            case Op.Add a -> ADD;
            case Op.Sub s -> SUB;
            case Op.Affine a -> AFFINE;
            case Op.Concat c -> CONCAT;
            case Op.DepthToSpace d -> DEPTH_TO_SPACE;
            case Op.Pad p -> PAD;
            case Op.ResizeNearest r -> RESIZE_NEAREST;
        };
        w.add(kind).add(op.inputs().size());
        for (String in : op.inputs()) w.add(tensors.get(in));
        switch (op) {
            case Op.Conv2d c -> w.add(c.inChannels()).add(c.outChannels()).add(c.kernelH()).add(c.kernelW())
                    .add(c.padTop()).add(c.padLeft()).add(c.padBottom()).add(c.padRight()).add(c.groups())
                    .add(blobs.of(c.weight())).add(blobs.of(c.bias()));
            case Op.PRelu p -> w.add(blobs.of(p.slopes()));
            case Op.LeakyRelu l -> w.add(Float.floatToRawIntBits(l.alpha()));
            case Op.Affine a -> w.add(blobs.of(a.scale())).add(blobs.of(a.shift()));
            case Op.DepthToSpace d -> w.add(d.block()).add(d.order() == Op.ShuffleOrder.DCR ? 1 : 0);
            case Op.Pad p -> w.add(p.top()).add(p.left()).add(p.bottom()).add(p.right())
                    .add(p.mode() == Op.PadMode.EDGE ? 1 : 0).add(Float.floatToRawIntBits(p.value()));
            case Op.ResizeNearest r -> w.add(r.scale());
            case Op.Relu r -> { }
            case Op.Add a -> { }
            case Op.Sub s -> { }
            case Op.Concat c -> { }
        }
    }

    private static void writeQuantizer(Ints w, LayerQuant layer) {
        if (!layer.kind().quantized()) {
            w.add(0);
            return;
        }
        if (!layer.calibrated()) throw new AdabmException("layer " + layer.name() + " is not calibrated (no activation or weight bounds)");
        w.add(1).add(layer.weightBits()).add(Float.floatToRawIntBits(layer.weightBound()))
                .add(Float.floatToRawIntBits(layer.lower())).add(Float.floatToRawIntBits(layer.upper()));
    }

    /** A growable int list: the op section, written as little-endian words. */
    private static final class Ints {
        int[] values = new int[256];
        int size;

        Ints add(int v) {
            if (size == values.length) {
                if (size > (Integer.MAX_VALUE - 8) / 2) throw new UnsupportedOpException("plan description has too many ops");
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
            return this;
        }
    }
}
