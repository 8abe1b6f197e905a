package adabm.io.onnx;

import static adabm.io.onnx.OnnxTestModels.*;
import static org.junit.jupiter.api.Assertions.*;

import adabm.ModelFormatException;
import adabm.UnsupportedOpException;
import adabm.graph.AffineFolding;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Conv attribute variants and batch-norm handling, against hand-computed values and explicit IR graphs. */
class ConvAndBatchNormImportTest {
    /** 3x3 kernel per channel with distinct weights, group 3 (depthwise), so every weight position is observable. */
    static float[] depthwiseWeights() {
        float[] w = new float[3 * 9];
        for (int i = 0; i < w.length; i++) w[i] = (i % 9) - 4 + 0.5f * (i / 9);
        return w;
    }

    @Test void convAttributesMapToIrFields() {
        Graph g = load(model(List.of(node("Conv", "c1", List.of("x", "w", "b"), "y",
                        ints("pads", 2, 1, 0, 0), intAttr("group", 3), ints("kernel_shape", 3, 3), ints("strides", 1, 1), ints("dilations", 1, 1))),
                List.of(floats("w", dims(3, 1, 3, 3), depthwiseWeights()), floats("b", dims(3), 1, 2, 3)), "y"));
        Op.Conv2d c = g.convs().get(0);
        assertEquals(List.of(2, 1, 0, 0), List.of(c.padTop(), c.padLeft(), c.padBottom(), c.padRight()), "pads are [top, left, bottom, right]");
        assertEquals(3, c.groups());
        assertEquals(3, c.inChannels());
        assertEquals("c1", c.name());
        assertEquals(new adabm.graph.Graph.Shape(3, 5, 5), g.inferShapes(5, 6).get("y"));
    }

    @Test void depthwiseConvWithoutBiasMatchesHandComputation() {
        float[] w = depthwiseWeights();
        Graph g = load(model(List.of(node("Conv", "c1", List.of("x", "w"), "y", ints("pads", 1, 1, 1, 1), intAttr("group", 3))),
                List.of(floats("w", dims(3, 1, 3, 3), w)), "y"));
        Tensor x = ramp(4, 5), y = run(g, x);
        for (int c = 0; c < 3; c++)
            for (int oy = 0; oy < 4; oy++)
                for (int ox = 0; ox < 5; ox++) {
                    double s = 0;   // no bias input: bias is zero
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = oy + ky - 1, ix = ox + kx - 1;
                            if (iy >= 0 && iy < 4 && ix >= 0 && ix < 5) s += w[c * 9 + ky * 3 + kx] * x.get(0, c, iy, ix);
                        }
                    assertEquals(s, y.get(0, c, oy, ox), 1e-4, "c" + c + " y" + oy + " x" + ox);
                }
    }

    @Test void autoPadVariants() {
        // even kernel 2x4: SAME pads k-1 in total, the odd pixel at the end (UPPER) or the start (LOWER)
        record Case(String autoPad, int top, int left, int bottom, int right) { }
        for (Case k : List.of(new Case("SAME_UPPER", 0, 1, 1, 2), new Case("SAME_LOWER", 1, 2, 0, 1), new Case("VALID", 0, 0, 0, 0))) {
            Graph g = load(model(List.of(node("Conv", "c", List.of("x", "w"), "y", stringAttr("auto_pad", k.autoPad()))),
                    List.of(floats("w", dims(2, 3, 2, 4), new float[48])), "y"));
            Op.Conv2d c = g.convs().get(0);
            assertEquals(List.of(k.top(), k.left(), k.bottom(), k.right()), List.of(c.padTop(), c.padLeft(), c.padBottom(), c.padRight()), k.autoPad());
        }
    }

    @Test void stridesAndDilationsAreRejectedNamingTheNode() {
        for (var attr : List.of(ints("strides", 2, 2), ints("dilations", 1, 2))) {
            var e = assertThrows(UnsupportedOpException.class, () -> load(model(List.of(node("Conv", "body.3.conv1", List.of("x", "w"), "y", attr)),
                    List.of(floats("w", dims(1, 3, 3, 3), new float[27])), "y")));
            assertTrue(e.getMessage().startsWith("test.onnx: node 'body.3.conv1' (Conv): " + attr.getName()), e.getMessage());
        }
    }

    @Test void weightRankAndBiasSizeErrorsNameTheTensor() {
        var e = assertThrows(ModelFormatException.class, () -> load(model(List.of(node("Conv", "c", List.of("x", "wx"), "y")),
                List.of(floats("wx", dims(1, 3, 3), new float[9])), "y")));
        assertEquals("test.onnx: node 'c' (Conv): weight 'wx' has 3 dims, expected 4 (only 2-D convolution is supported)", e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> load(model(List.of(node("Conv", "c", List.of("x", "w", "b"), "y")),
                List.of(floats("w", dims(2, 3, 1, 1), new float[6]), floats("b", dims(3), 1, 2, 3)), "y")));
        assertTrue(e.getMessage().contains("bias 'b' has dims [3], expected [2]"), e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> load(model(List.of(node("Conv", "c", List.of("x", "w"), "y", intAttr("group", 2))),
                List.of(floats("w", dims(3, 3, 1, 1), new float[9])), "y")));
        assertTrue(e.getMessage().contains("not divisible by group 2"), e.getMessage());
    }

    // ---- batch norm ----

    static final float[] GAMMA = {1.5f, -0.5f, 2f}, BETA = {0.1f, -3f, 7f}, MEAN = {0.5f, -1f, 4f}, VAR = {0.25f, 4f, 0.01f};

    static List<adabm.io.onnx.proto.OnnxProto.TensorProto> bnParams() {
        return List.of(floats("g", dims(3), GAMMA), floats("be", dims(3), BETA), floats("m", dims(3), MEAN), floats("v", dims(3), VAR));
    }

    static float[] convWeights() {
        float[] w = new float[3 * 3 * 9];
        for (int i = 0; i < w.length; i++) w[i] = ((i * 5) % 11 - 5) * 0.1f;
        return w;
    }

    /** conv (-> BN) as imported, or as an explicit unfolded IR graph: conv then Affine with float64 BN coefficients. */
    static Graph unfoldedReference(float eps) {
        float[] scale = new float[3], shift = new float[3];
        for (int c = 0; c < 3; c++) {
            double s = GAMMA[c] / Math.sqrt(VAR[c] + (double) eps);
            scale[c] = (float) s;
            shift[c] = (float) (BETA[c] - MEAN[c] * s);
        }
        Op.Conv2d conv = new Op.Conv2d("c", "x", "t", 3, 3, 3, 3, 1, 1, 1, 1, 1, convWeights(), new float[] {0.3f, -0.2f, 1f});
        return new Graph("ref", "x", 3, List.of(conv, new Op.Affine("bn", "t", "y", scale, shift)), "y", Map.of());
    }

    @Test void batchNormAfterConvIsImportedAsAffineAndFoldsForFloatPlans() {
        Graph g = load(model(List.of(node("Conv", "c", List.of("x", "w", "b"), "t", ints("pads", 1, 1, 1, 1)),
                        node("BatchNormalization", "bn", List.of("t", "g", "be", "m", "v"), "y", floatAttr("epsilon", 1e-3f))),
                concat(List.of(floats("w", dims(3, 3, 3, 3), convWeights()), floats("b", dims(3), 0.3f, -0.2f, 1f)), bnParams()), "y"));
        // quantization needs the conv's own weights: batch norm stays a float op (ADABM.md §1)
        assertEquals(List.of(Op.Conv2d.class, Op.Affine.class), g.ops().stream().map(Object::getClass).toList());
        assertArrayEquals(((Op.Affine) unfoldedReference(1e-3f).ops().get(1)).scale(), ((Op.Affine) g.ops().get(1)).scale(), 0f);
        assertArrayEquals(((Op.Affine) unfoldedReference(1e-3f).ops().get(1)).shift(), ((Op.Affine) g.ops().get(1)).shift(), 0f);

        Graph folded = AffineFolding.intoConvs(g);
        assertEquals(1, folded.ops().size(), "BN folded into the conv");
        assertEquals("c", folded.ops().get(0).name());
        assertEquals("y", folded.output());
        Tensor x = ramp(6, 7);
        Tensor f = run(folded, x), unfolded = run(unfoldedReference(1e-3f), x);
        // outputs reach ~200 (gamma/sqrt(var+eps) up to 19.9): float32 rounding of folded weights is ~1e-5 relative
        float tol = 1e-5f * maxAbs(unfolded);
        assertTrue(f.maxAbsDiff(unfolded) <= tol, "folded vs unfolded " + f.maxAbsDiff(unfolded) + " > " + tol);
    }

    @Test void batchNormStaysAffineWhenConvOutputHasOtherReaders() {
        Graph g = load(model(List.of(node("Conv", "c", List.of("x", "w", "b"), "t", ints("pads", 1, 1, 1, 1)),
                        node("BatchNormalization", "bn", List.of("t", "g", "be", "m", "v"), "u", floatAttr("epsilon", 1e-3f)),
                        node("Add", "add", List.of("u", "t"), "y")),
                concat(List.of(floats("w", dims(3, 3, 3, 3), convWeights()), floats("b", dims(3), 0.3f, -0.2f, 1f)), bnParams()), "y"));
        assertEquals(List.of(Op.Conv2d.class, Op.Affine.class, Op.Add.class), g.ops().stream().map(Object::getClass).toList());
        assertSame(g, AffineFolding.intoConvs(g), "the conv output has another reader: nothing to fold");
        Tensor x = ramp(5, 4);
        Tensor ref = run(unfoldedReference(1e-3f), x);
        Tensor conv = run(new Graph("c", "x", 3, List.of(unfoldedReference(1e-3f).ops().get(0)), "t", Map.of()), x);
        Tensor y = run(g, x);
        for (int i = 0; i < y.data.length; i++) assertEquals(ref.data[i] + conv.data[i], y.data[i], 1e-4f * Math.abs(ref.data[i]) + 1e-5f);
    }

    @Test void batchNormOnGraphInputMatchesHandFormula() {
        Graph g = load(model(List.of(node("BatchNormalization", "bn", List.of("x", "g", "be", "m", "v"), "y")), bnParams(), "y"));
        Tensor x = ramp(3, 3), y = run(g, x);
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < 9; i++) {
                double expected = (x.data[c * 9 + i] - MEAN[c]) / Math.sqrt(VAR[c] + 1e-5) * GAMMA[c] + BETA[c];
                assertEquals(expected, y.data[c * 9 + i], 1e-5 * Math.max(1, Math.abs(expected)));
            }
    }

    @Test void foldingDoesNotTouchASharedWeight() {
        float[] w = convWeights();
        Graph g = AffineFolding.intoConvs(load(model(List.of(node("Conv", "c1", List.of("x", "w"), "t", ints("pads", 1, 1, 1, 1)),
                        node("BatchNormalization", "bn", List.of("t", "g", "be", "m", "v"), "u"),
                        node("Conv", "c2", List.of("u", "w"), "y", ints("pads", 1, 1, 1, 1))),
                concat(List.of(floats("w", dims(3, 3, 3, 3), w)), bnParams()), "y")));
        assertEquals(2, g.ops().size());
        assertArrayEquals(w, g.convs().get(1).weight(), 0f, "c2 keeps the original shared weight");
        assertFalse(java.util.Arrays.equals(w, g.convs().get(0).weight()), "c1 has the folded weight");
    }

    @Test void nonPositiveVarianceIsRejected() {
        var e = assertThrows(ModelFormatException.class, () -> load(model(List.of(node("BatchNormalization", "bn", List.of("x", "g", "be", "m", "v"), "y")),
                List.of(floats("g", dims(3), GAMMA), floats("be", dims(3), BETA), floats("m", dims(3), MEAN), floats("v", dims(3), 1, -1, 1)), "y")));
        assertTrue(e.getMessage().contains("node 'bn' (BatchNormalization): input_var + epsilon"), e.getMessage());
    }

    static float maxAbs(Tensor t) {
        float m = 0;
        for (float v : t.data) m = Math.max(m, Math.abs(v));
        return m;
    }

    @SafeVarargs static <T> List<T> concat(List<T>... parts) {
        List<T> all = new java.util.ArrayList<>();
        for (List<T> p : parts) all.addAll(p);
        return all;
    }
}
