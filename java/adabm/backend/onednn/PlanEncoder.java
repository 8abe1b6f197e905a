package adabm.backend.onednn;

import adabm.UnsupportedOpException;
import adabm.graph.Graph;
import adabm.graph.Op;
import java.nio.ByteBuffer;
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
 */
public final class PlanEncoder {
    public static final int MAGIC = 0x50424441;   // "ADBP"
    public static final int VERSION = 1;

    static final int CONV = 1, RELU = 2, PRELU = 3, LEAKY_RELU = 4, ADD = 5, SUB = 6, AFFINE = 7, CONCAT = 8,
            DEPTH_TO_SPACE = 9, PAD = 10, RESIZE_NEAREST = 11;

    private PlanEncoder() { }

    public static byte[] encode(Graph graph) {
        Map<String, Integer> tensors = new HashMap<>();
        tensors.put(graph.input(), 0);
        List<Op> ops = graph.ops();
        for (int i = 0; i < ops.size(); i++) tensors.put(ops.get(i).output(), i + 1);

        Map<float[], Integer> blobIds = new IdentityHashMap<>();
        List<float[]> blobs = new ArrayList<>();
        Writer body = new Writer();
        for (Op op : ops) writeOp(body, op, tensors, blob -> blobIds.computeIfAbsent(blob, b -> { blobs.add(b); return blobs.size() - 1; }));

        Writer out = new Writer();
        out.u32(MAGIC).u32(VERSION).u32(graph.inputChannels()).u32(ops.size()).u32(tensors.get(graph.output())).u32(blobs.size());
        for (float[] b : blobs) { out.u32(b.length); out.floats(b); }
        out.bytes(body);
        return out.toArray();
    }

    private interface BlobIndex { int of(float[] blob); }

    private static void writeOp(Writer w, Op op, Map<String, Integer> tensors, BlobIndex blobs) {
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
        w.u32(kind).u32(op.inputs().size());
        for (String in : op.inputs()) w.u32(tensors.get(in));
        switch (op) {
            case Op.Conv2d c -> w.u32(c.inChannels()).u32(c.outChannels()).u32(c.kernelH()).u32(c.kernelW())
                    .u32(c.padTop()).u32(c.padLeft()).u32(c.padBottom()).u32(c.padRight()).u32(c.groups())
                    .u32(blobs.of(c.weight())).u32(blobs.of(c.bias()));
            case Op.PRelu p -> w.u32(blobs.of(p.slopes()));
            case Op.LeakyRelu l -> w.f32(l.alpha());
            case Op.Affine a -> w.u32(blobs.of(a.scale())).u32(blobs.of(a.shift()));
            case Op.DepthToSpace d -> w.u32(d.block()).u32(d.order() == Op.ShuffleOrder.DCR ? 1 : 0);
            case Op.Pad p -> w.u32(p.top()).u32(p.left()).u32(p.bottom()).u32(p.right())
                    .u32(p.mode() == Op.PadMode.EDGE ? 1 : 0).f32(p.value());
            case Op.ResizeNearest r -> w.u32(r.scale());
            case Op.Relu r -> { }
            case Op.Add a -> { }
            case Op.Sub s -> { }
            case Op.Concat c -> { }
        }
    }

    /** A growable little-endian byte buffer. */
    private static final class Writer {
        private ByteBuffer buf = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);

        private void ensure(long more) {
            if (buf.remaining() >= more) return;
            long want = Math.max((long) buf.capacity() * 2, buf.position() + more);
            if (want > Integer.MAX_VALUE - 8) throw new UnsupportedOpException("plan description exceeds 2 GB");
            ByteBuffer bigger = ByteBuffer.allocate((int) want).order(ByteOrder.LITTLE_ENDIAN);
            bigger.put(buf.flip());
            buf = bigger;
        }

        Writer u32(int v) { ensure(4); buf.putInt(v); return this; }
        Writer f32(float v) { ensure(4); buf.putFloat(v); return this; }
        void floats(float[] v) { ensure(4L * v.length); buf.asFloatBuffer().put(v); buf.position(buf.position() + 4 * v.length); }
        void bytes(Writer other) { ensure(other.buf.position()); buf.put(other.buf.duplicate().flip()); }
        byte[] toArray() { byte[] out = new byte[buf.position()]; buf.duplicate().flip().get(out); return out; }
    }
}
