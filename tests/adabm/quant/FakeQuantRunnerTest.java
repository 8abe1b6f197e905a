package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;

import adabm.AdabmException;
import adabm.TestGraphs;
import adabm.backend.BackendOptions;
import adabm.backend.Plan;
import adabm.backend.ref.ReferenceBackend;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.*;
import org.junit.jupiter.api.Test;

/**
 * The fake-quantized interpreter against an independent oracle: a naive direct convolution over inputs and weights
 * quantized with the (hand-tested) scalar quantizers, zero padding with exact 0.0 around the quantized input.
 */
class FakeQuantRunnerTest {
    static Tensor randomInput(int n, int h, int w, long seed) {
        Random r = new Random(seed);
        Tensor t = new Tensor(n, 3, h, w);
        for (int i = 0; i < t.data.length; i++) t.data[i] = r.nextInt(256);
        return t;
    }

    /** Naive conv: y[o][y][x] = b[o] + sum w * in, where in is 0 outside the image. */
    static Tensor naiveConv(Tensor x, Op.Conv2d c, float[] w) {
        int oh = x.h + c.padTop() + c.padBottom() - c.kernelH() + 1, ow = x.w + c.padLeft() + c.padRight() - c.kernelW() + 1;
        Tensor y = new Tensor(x.n, c.outChannels(), oh, ow);
        int ipg = c.inPerGroup();
        for (int n = 0; n < x.n; n++)
            for (int o = 0; o < c.outChannels(); o++)
                for (int yy = 0; yy < oh; yy++)
                    for (int xx = 0; xx < ow; xx++) {
                        double s = c.bias()[o];
                        int g = o / c.outPerGroup();
                        for (int i = 0; i < ipg; i++)
                            for (int ky = 0; ky < c.kernelH(); ky++)
                                for (int kx = 0; kx < c.kernelW(); kx++) {
                                    int iy = yy + ky - c.padTop(), ix = xx + kx - c.padLeft();
                                    float v = iy < 0 || ix < 0 || iy >= x.h || ix >= x.w ? 0f : x.get(n, g * ipg + i, iy, ix);
                                    s += w[((o * ipg + i) * c.kernelH() + ky) * c.kernelW() + kx] * (double) v;
                                }
                        y.data[y.index(n, o, yy, xx)] = (float) s;
                    }
        return y;
    }

    /** Sets bounds that keep 0 off every grid (l > 0 or l < 0 with an odd offset), weight bounds below max|W|. */
    static void setBounds(QuantModel m) {
        int i = 0;
        for (LayerQuant q : m.layers()) {
            if (!q.kind().quantized()) continue;
            q.setActivationBounds(i % 2 == 0 ? 0.3f : -0.77f, 2.1f + i);
            q.setWeightBound(0.8f * WeightBoundSearch.maxAbs(q.conv().weight()));
            i++;
        }
    }

    @Test
    void quantizedForwardMatchesNaiveOracle() {
        Graph g = TestGraphs.tinyEdsr(4, 2, 2, 5);
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
        setBounds(m);
        m.layer("body.0.conv1").setLayerLogit(1);
        m.layer("body.1.conv2").setLayerLogit(-0.9f);
        Tensor x = randomInput(2, 7, 6, 1);
        int[] offsets = {-1, 1};

        // oracle: walk the ops, quantizing each conv's input per image and its weight
        Map<String, Tensor> v = new HashMap<>();
        v.put(g.input(), x);
        double[] bitSum = new double[2];
        int counted = 0;
        for (Op op : g.ops()) {
            Tensor in = v.get(op.inputs().get(0));
            Tensor out;
            if (op instanceof Op.Conv2d c) {
                LayerQuant q = m.layer(c.name());
                Tensor xq = in.copy();
                int plane = in.c * in.h * in.w;
                for (int s = 0; s < 2; s++) {
                    int b = q.kind() == LayerKind.FIXED8 ? 8 : 4 + offsets[s] + BitMaps.layerOffset(q.layerLogit());
                    if (q.kind() == LayerKind.ADAPTIVE) bitSum[s] += b;
                    for (int i = s * plane; i < (s + 1) * plane; i++) xq.data[i] = Quantizers.activation(in.data[i], q.lower(), q.upper(), b);
                }
                if (q.kind() == LayerKind.ADAPTIVE) counted++;
                float[] wq = new float[c.weight().length];
                for (int i = 0; i < wq.length; i++) wq[i] = Quantizers.weight(c.weight()[i], q.weightBound(), q.weightBits());
                out = naiveConv(xq, c, wq);
            } else {
                out = switch (op) {
                    case Op.Relu r -> { Tensor t = in.copy(); for (int i = 0; i < t.data.length; i++) t.data[i] = Math.max(0, t.data[i]); yield t; }
                    case Op.Add a -> { Tensor t = in.copy(); Tensor b = v.get(a.b()); for (int i = 0; i < t.data.length; i++) t.data[i] += b.data[i]; yield t; }
                    default -> applyRef(op, v);
                };
            }
            v.put(op.output(), out);
        }
        Tensor expected = v.get(g.output());

        try (FakeQuantRunner runner = new FakeQuantRunner(m, 1)) {
            FakeQuantRunner.Forward f = runner.run(x, offsets, ForwardHooks.NONE);
            assertTrue(f.output().maxAbsDiff(expected) < 1e-3f, "max diff " + f.output().maxAbsDiff(expected));
            assertEquals(5, counted);
            // adaptive layers: body.0.conv1 has +1, body.1.conv2 -1 (round(clamp(-0.9)) = -1), others 0
            assertEquals((4 + 3 + 3 + 2 + 3) / 5.0, f.fab()[0], 1e-12, "image offset -1: bits 4,3,3,2,3");
            assertEquals(bitSum[0] / 5, f.fab()[0], 1e-12);
            assertEquals(bitSum[1] / 5, f.fab()[1], 1e-12);
            assertEquals(5.0, f.fab()[1], 1e-12, "(6+5+5+4+5)/5");
            // same images one at a time give the same outputs (each image has its own bits)
            FakeQuantRunner.Forward one = runner.run(x.sample(1), new int[] {1}, ForwardHooks.NONE);
            assertEquals(0f, one.output().maxAbsDiff(f.output().sample(1)));
        }
    }

    private static Tensor applyRef(Op op, Map<String, Tensor> v) {
        Tensor x = v.get(op.inputs().get(0));
        return switch (op) {
            case Op.Affine a -> adabm.backend.ref.RefKernels.affine(x, a.scale(), a.shift());
            case Op.DepthToSpace d -> adabm.backend.ref.RefKernels.depthToSpace(x, d.block(), d.order());
            default -> throw new IllegalStateException(op.toString());
        };
    }

    @Test
    void paddingIsExactZeroNotTheQuantizedZero() {
        // one 3x3 conv, all-ones weight, bound 1 at 8 bits keeps 1.0 exact; input bounds [0.5, 1.5] put 0 off the grid
        float[] w = new float[9];
        Arrays.fill(w, 1f);
        Op.Conv2d c = new Op.Conv2d("only", "in", "out", 1, 1, 3, 3, 1, 1, 1, 1, 1, w, new float[1]);
        Graph g = new Graph("one", "in", 1, List.of(c), "out", Map.of());
        QuantModel m = QuantModel.create(g, new QuantSpec(8, 8, QuantMode.FQ, Map.of(), Map.of("only", LayerKind.FIXED_BASE)));
        m.layer("only").setActivationBounds(0.5f, 1.5f);
        m.layer("only").setWeightBound(1f);
        Tensor x = new Tensor(1, 1, 3, 3);
        Arrays.fill(x.data, 1.5f);   // = u, on the grid exactly
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) {
            Tensor y = r.run(x, new int[1], ForwardHooks.NONE).output();
            // a quantized zero would be clamp(0) = 0.5 and give 6 + 5 * 0.5 at the corner
            assertEquals(6f, y.get(0, 0, 0, 0), 1e-6f, "corner: 4 taps inside, 5 padded with 0.0");
            assertEquals(9f, y.get(0, 0, 0, 1), 1e-6f, "edge: 6 taps inside");
            assertEquals(13.5f, y.get(0, 0, 1, 1), 1e-6f);
        }
    }

    @Test
    void floatKindsReproduceTheReferenceBackendExactly() {
        Graph g = TestGraphs.tinyEdsr(4, 2, 2, 9);
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.BODY, Map.of(), Map.of("*", LayerKind.FLOAT)));
        Tensor x = randomInput(2, 6, 5, 3);
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1); Plan p = new ReferenceBackend().compile(g, new BackendOptions(1))) {
            FakeQuantRunner.Forward f = r.run(x, new int[2], ForwardHooks.NONE);
            assertEquals(0f, f.output().maxAbsDiff(p.run(x)));
            assertArrayEquals(new double[] {32, 32}, f.fab());
            assertEquals(0f, r.runFloat(x, ForwardHooks.NONE).output().maxAbsDiff(p.run(x)));
        }
    }

    @Test
    void hooksSeeEveryConvInOrderAndTheBlockAdds() {
        Graph g = TestGraphs.tinyEdsr(4, 2, 2, 2);
        QuantModel m = QuantModel.create(g, new QuantSpec(8, 6, QuantMode.BODY));
        setBounds(m);
        List<String> seen = new ArrayList<>(), taps = new ArrayList<>();
        List<String> bits = new ArrayList<>();
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) {
            r.run(randomInput(2, 5, 5, 4), new int[] {1, -1}, new ForwardHooks() {
                @Override public void beforeConv(LayerQuant layer, Tensor input, int[] b) {
                    seen.add(layer.name());
                    bits.add(b == null ? "float" : Arrays.toString(b));
                }
                @Override public void residualTap(String add, Tensor out) { taps.add(add); }
            });
        }
        List<String> convs = g.convs().stream().map(Op.Conv2d::name).toList();
        assertEquals(convs, seen);
        assertEquals(List.of("body.0.add", "body.1.add"), taps);
        assertEquals("float", bits.get(0), "head is float in body mode");
        assertEquals("[7, 5]", bits.get(1));
        assertEquals("float", bits.get(bits.size() - 1));
    }

    @Test
    void errorsAreClear() {
        Graph g = TestGraphs.tinyEdsr(4, 1, 2, 2);
        QuantModel m = QuantModel.create(g, new QuantSpec(2, 2, QuantMode.FQ));
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) {
            Tensor x = randomInput(1, 5, 5, 4);
            AdabmException e = assertThrows(AdabmException.class, () -> r.run(x, new int[1], ForwardHooks.NONE));
            assertTrue(e.getMessage().contains("head.0") && e.getMessage().contains("not calibrated"), e.getMessage());
            setBounds(m);
            IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> r.run(x, new int[] {-1}, ForwardHooks.NONE));
            assertTrue(b.getMessage().contains("1 bits"), b.getMessage());
            assertThrows(IllegalArgumentException.class, () -> r.run(x, new int[2], ForwardHooks.NONE));
        }
    }
}
