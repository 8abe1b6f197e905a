package adabm.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * SHA-256 of what a graph computes: input channels, every op's type, attributes and parameters (float bit
 * patterns, so -0.0 and 0.0 differ) in graph order, conv names (a quantized-model artifact refers to convs by
 * name), and the wiring as producer positions. Tensor names, other node names, the graph name and metadata are
 * left out, so the same network read from an ONNX file and from an identical checkpoint digests the same, while
 * any changed weight, shape or connection does not.
 */
public final class GraphDigest {
    private GraphDigest() { }

    /** "sha256:" followed by 64 lowercase hex digits. */
    public static String of(Graph g) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        Encoder e = new Encoder(md);
        e.text("adabm-graph-digest-1");
        e.integer(g.inputChannels());
        e.integer(g.ops().size());
        Map<String, Integer> producer = new HashMap<>();
        producer.put(g.input(), -1);
        for (int i = 0; i < g.ops().size(); i++) {
            Op op = g.ops().get(i);
            e.text(op.getClass().getSimpleName());
            e.integer(op.inputs().size());
            for (String in : op.inputs()) e.integer(producer.get(in));
            switch (op) {
                case Op.Conv2d c -> {
                    e.text(c.name());
                    e.integers(c.inChannels(), c.outChannels(), c.kernelH(), c.kernelW(), c.padTop(), c.padLeft(),
                            c.padBottom(), c.padRight(), c.groups());
                    e.floats(c.weight());
                    e.floats(c.bias());
                }
                case Op.PRelu p -> e.floats(p.slopes());
                case Op.LeakyRelu l -> e.floats(new float[] {l.alpha()});
                case Op.Affine a -> { e.floats(a.scale()); e.floats(a.shift()); }
                case Op.DepthToSpace d -> { e.integer(d.block()); e.text(d.order().name()); }
                case Op.Pad p -> { e.integers(p.top(), p.left(), p.bottom(), p.right()); e.text(p.mode().name()); e.floats(new float[] {p.value()}); }
                case Op.ResizeNearest r -> e.integer(r.scale());
                case Op.Relu r -> { }
                case Op.Add a -> { }
                case Op.Sub s -> { }
                case Op.Concat c -> { }
            }
            producer.put(op.output(), i);
        }
        e.integer(producer.get(g.output()));
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    /** Length-prefixed, little-endian fields, so no two different graphs encode to the same bytes. */
    private static final class Encoder {
        private final MessageDigest md;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        Encoder(MessageDigest md) { this.md = md; }

        void integer(int v) { md.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array()); }

        void integers(int... vs) { for (int v : vs) integer(v); }

        void text(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            integer(b.length);
            md.update(b);
        }

        void floats(float[] v) {
            integer(v.length);
            for (int i = 0; i < v.length; ) {
                buf.clear();
                while (i < v.length && buf.remaining() >= 4) buf.putInt(Float.floatToRawIntBits(v[i++]));
                md.update(buf.array(), 0, buf.position());
            }
        }
    }
}
