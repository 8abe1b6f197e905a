package adabm.backend.onednn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.ShapeException;
import adabm.TestGraphs;
import adabm.UnsupportedOpException;
import adabm.backend.ref.JavaConvKernels;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.quant.CalibrationMethod;
import adabm.quant.Calibrator;
import adabm.quant.FakeQuantRunner;
import adabm.quant.ForwardHooks;
import adabm.quant.LayerKind;
import adabm.quant.LayerQuant;
import adabm.quant.PatchedForward;
import adabm.quant.QuantMode;
import adabm.quant.QuantModel;
import adabm.quant.QuantSpec;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The integer plan against the fake-quantized forward on the pure-Java kernels (the oracle), on small random graphs.
 * Both compute the same quantized network; they differ in float32 rounding of the scale arithmetic (the integer
 * plan's acc * s_a * s_w + bias against the oracle's sum of fake-quantized products), ~1e-6 relative. That can move
 * an activation that sits on a rounding boundary of a later quantizer by one code, so outputs are compared as
 * 8-bit pixels (the criterion: at least 99.5% identical) and by their mean absolute difference, which must
 * stay far below one quantization step of the output. A wrong tap, border term, scale or bit width shifts most
 * pixels.
 */
public class Int8PlanTest {   // public: the cuda plan's tests reuse its models
    static void assumeNative() {
        assumeTrue(Int8Plan.unavailableReason() == null, "integer plan unavailable: " + Int8Plan.unavailableReason());
    }

    /** A model calibrated (AdaBM, no fine-tuning) on a few image-like patches, with its image bit map. */
    public static QuantModel calibrated(Graph g, QuantSpec spec, long seed) {
        QuantModel m = QuantModel.create(g, spec);
        List<Tensor> patches = new ArrayList<>();
        for (int i = 0; i < 6; i++) patches.add(TestGraphs.image(24, 24, seed + i));
        try (FakeQuantRunner r = new FakeQuantRunner(m, 2)) {
            Calibrator.calibrate(r, patches, CalibrationMethod.ADABM);
        }
        return m;
    }

    static FakeQuantRunner.Forward oracle(QuantModel m, Tensor x, int[] offsets) {
        try (FakeQuantRunner r = FakeQuantRunner.exact(m)) {
            return offsets == null ? r.run(x, ForwardHooks.NONE) : r.run(x, offsets, ForwardHooks.NONE);
        }
    }

    static int pixel(float v) { return (int) Math.rint(Math.min(255f, Math.max(0f, v))); }

    /** Identical 8-bit pixels >= 99.5%, mean |difference| well below one step of the tail's 8-bit activations. */
    static void assertMatches(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(new int[] {expected.n, expected.c, expected.h, expected.w}, new int[] {actual.n, actual.c, actual.h, actual.w}, what);
        int same = 0;
        double absSum = 0;
        for (int i = 0; i < expected.data.length; i++) {
            if (pixel(expected.data[i]) == pixel(actual.data[i])) same++;
            absSum += Math.abs(expected.data[i] - actual.data[i]);
        }
        double identical = (double) same / expected.data.length, mean = absSum / expected.data.length;
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (float v : expected.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        System.out.printf("%s: %.3f%% identical 8-bit pixels, mean |diff| %.2e, range %.1f..%.1f%n", what, identical * 100, mean, lo, hi);
        assertTrue(identical >= 0.995, what + ": " + identical * 100 + "% identical 8-bit pixels");
        assertTrue(mean < 0.05, what + ": mean |difference| " + mean);
    }

    /**
     * Body mode: every quantizer sees the oracle's exact floats, so the output differs only by the float32 summation
     * of the float tail convs (oneDNN's, where the oracle sums in float64): a relative error of at most about
     * K * 2^-24 of the products' magnitude for K taps - for these small nets under 1e-4 of the output range - where a
     * single moved code would move outputs by a whole activation step (~1e-2 of the range at 6 bits).
     */
    public static void assertFloatTail(Tensor expected, Tensor actual, String what) {
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE, worst = 0;
        for (float v : expected.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        for (int i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(expected.data[i] - actual.data[i]));
        System.out.printf("%s: max |diff| %.3e of range %.3e%n", what, worst, hi - lo);
        assertTrue(worst <= 1e-4 * (hi - lo), what + ": max |difference| " + worst + " of range " + (hi - lo));
    }

    /** CARN-M-like: grouped 3x3 convs, 1x1 fusion over a concat, ReLUs, a residual add, pixel shuffle. */
    public static Graph tinyGroupedNet(long seed) {
        Random r = new Random(seed);
        List<Op> ops = new ArrayList<>();
        ops.add(new Op.Affine("sub_mean", "lr", "x0", new float[] {1f / 64}, new float[] {-2f}));
        ops.add(TestGraphs.conv(r, "entry", "x0", "e", 3, 16, 3));
        ops.add(grouped(r, "b1.g1", "e", "g1", 16, 16, 4));
        ops.add(new Op.Relu("b1.relu1", "g1", "g1r"));
        ops.add(grouped(r, "b1.g2", "g1r", "g2", 16, 16, 4));
        ops.add(new Op.Relu("b1.relu2", "g2", "g2r"));
        ops.add(new Op.Concat("b1.cat", List.of("e", "g2r"), "cat"));
        ops.add(TestGraphs.conv(r, "b1.c1", "cat", "c1", 32, 16, 1));
        ops.add(new Op.Add("b1.add", "c1", "e", "res"));
        ops.add(TestGraphs.conv(r, "up", "res", "u", 16, 16 * 4, 3));
        ops.add(new Op.DepthToSpace("shuffle", "u", "s", 2, Op.ShuffleOrder.CRD));
        ops.add(TestGraphs.conv(r, "exit", "s", "sr", 16, 3, 3));
        return new Graph("tiny-grouped", "lr", 3, ops, "sr", Map.of());
    }

    /** SRResNet-like: conv -> batch-norm affine -> PReLU chains, a residual add after an affine, a global skip. */
    public static Graph tinySrResNet(long seed) {
        Random r = new Random(seed);
        float[] scale = new float[16], shift = new float[16], slopes = new float[16];
        for (int i = 0; i < 16; i++) {
            scale[i] = (float) (0.5 + r.nextDouble());
            shift[i] = (float) (r.nextGaussian() * 0.2);
            slopes[i] = (float) (0.1 + 0.2 * r.nextDouble());
        }
        List<Op> ops = new ArrayList<>();
        ops.add(new Op.Affine("norm", "lr", "x0", new float[] {1f / 255}, new float[] {-0.5f}));
        ops.add(TestGraphs.conv(r, "head", "x0", "h", 3, 16, 3));
        ops.add(new Op.PRelu("head.act", "h", "ha", new float[] {0.25f}));
        ops.add(TestGraphs.conv(r, "b.c1", "ha", "c1", 16, 16, 3));
        ops.add(new Op.Affine("b.bn1", "c1", "n1", scale, shift));
        ops.add(new Op.PRelu("b.act", "n1", "a1", slopes));
        ops.add(TestGraphs.conv(r, "b.c2", "a1", "c2", 16, 16, 3));
        ops.add(new Op.Affine("b.bn2", "c2", "n2", shift, scale));
        ops.add(new Op.Add("b.add", "n2", "ha", "res"));
        ops.add(TestGraphs.conv(r, "mid", "res", "m", 16, 16, 3));
        ops.add(new Op.Affine("mid.bn", "m", "mn", scale, shift));
        ops.add(new Op.Add("skip", "ha", "mn", "s"));
        ops.add(TestGraphs.conv(r, "exit", "s", "sr", 16, 3, 3));
        return new Graph("tiny-srresnet", "lr", 3, ops, "sr", Map.of());
    }

    static Op.Conv2d grouped(Random r, String name, String in, String out, int cin, int cout, int groups) {
        int k = 3, fan = cin / groups * k * k;
        float[] w = new float[cout * fan];
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * Math.sqrt(2.0 / fan));
        float[] b = new float[cout];
        for (int i = 0; i < cout; i++) b[i] = (float) (r.nextGaussian() * 0.1);
        return new Op.Conv2d(name, in, out, cin, cout, k, k, 1, 1, 1, 1, groups, w, b);
    }

    @Test void edsrW4A4FullQuantizationMatchesFakeQuant() {
        assumeNative();
        QuantModel m = calibrated(TestGraphs.tinyEdsr(16, 2, 2, 1), new QuantSpec(4, 4, QuantMode.FQ), 10);
        Tensor x = TestGraphs.image(19, 23, 99);
        try (Int8Plan plan = new Int8Plan(m, 2)) {
            FakeQuantRunner.Forward want = oracle(m, x, null), got = plan.run(x);
            assertArrayEquals(want.imageOffsets(), got.imageOffsets());
            assertArrayEquals(want.fab(), got.fab());
            assertArrayEquals(want.output().data, got.output().data, "tiny EDSR W4A4 fq: bit for bit");
            assertTrue(plan.convImplementations().contains("int8"), plan.convImplementations());
        }
        try (Int8Plan fast = new Int8Plan(m, 2, Int8Plan.Mode.FAST)) {   // u8 codes straight from oneDNN
            assertMatches(oracle(m, x, null).output(), fast.run(x).output(), "tiny EDSR W4A4 fq, fast mode");
        }
    }

    @Test void edsrW8A6BodyModeRunsHeadAndTailInFloat() {
        assumeNative();
        QuantModel m = calibrated(TestGraphs.tinyEdsr(16, 2, 2, 2), new QuantSpec(8, 6, QuantMode.BODY), 20);
        assertEquals(LayerKind.FLOAT, m.layer("head.0").kind());
        Tensor x = TestGraphs.image(17, 20, 98);
        try (Int8Plan plan = new Int8Plan(m, 2)) {
            FakeQuantRunner.Forward want = oracle(m, x, null), got = plan.run(x);
            assertArrayEquals(want.fab(), got.fab());
            assertFloatTail(want.output(), got.output(), "tiny EDSR W8A6 body");
            String impl = plan.convImplementations();
            assertTrue(impl.contains("fp32") && impl.contains("int8"), impl);
        }
    }

    @Test void everyImageOffsetAndABatchMatch() {
        assumeNative();
        QuantModel m = calibrated(TestGraphs.tinyEdsr(16, 1, 2, 3), new QuantSpec(4, 4, QuantMode.FQ), 30);
        m.imageMap().enable(5, 50);
        Tensor one = TestGraphs.image(16, 16, 7);
        Tensor batch = new Tensor(3, 3, 16, 16);
        for (int s = 0; s < 3; s++) System.arraycopy(one.data, 0, batch.data, s * one.data.length, one.data.length);
        int[] offsets = {-1, 0, 1};
        try (Int8Plan plan = new Int8Plan(m, 2)) {
            FakeQuantRunner.Forward want = oracle(m, batch, offsets), got = plan.run(batch, offsets);
            assertArrayEquals(want.fab(), got.fab());
            assertArrayEquals(want.output().data, got.output().data, "offsets -1, 0, +1: bit for bit");
        }
    }

    @Test void groupedConvsConcatAndOneByOneMatch() { assertMatchesInBothModes(tinyGroupedNet(4), 40, TestGraphs.image(21, 18, 97), "grouped net"); }

    @Test void batchNormPreluAndResidualChainsMatch() { assertMatchesInBothModes(tinySrResNet(6), 60, TestGraphs.image(18, 22, 95), "SRResNet-like"); }

    /** W4A4 fq: bit for bit; W8A6 body: up to the float tail (see assertFloatTail). */
    static void assertMatchesInBothModes(Graph g, long seed, Tensor x, String what) {
        assumeNative();
        for (QuantSpec spec : List.of(new QuantSpec(4, 4, QuantMode.FQ), new QuantSpec(8, 6, QuantMode.BODY))) {
            QuantModel m = calibrated(g, spec, seed);
            try (Int8Plan plan = new Int8Plan(m, 2)) {
                Tensor want = oracle(m, x, null).output(), got = plan.run(x).output();
                if (spec.mode() == QuantMode.FQ) assertArrayEquals(want.data, got.data, what + " " + spec + ": bit for bit");
                else assertFloatTail(want, got, what + " " + spec);
            }
        }
    }

    @Test void patchModeMatchesFakeQuantPerTile() {
        assumeNative();
        QuantModel m = calibrated(TestGraphs.tinyEdsr(16, 1, 2, 5), new QuantSpec(4, 4, QuantMode.FQ), 50);
        m.imageMap().enable(20, 60);
        Tensor x = TestGraphs.image(40, 30, 96);
        try (Int8Plan plan = new Int8Plan(m, 2); FakeQuantRunner r = FakeQuantRunner.exact(m)) {
            PatchedForward.Result want = PatchedForward.run(r, x, 16, true), got = plan.runPatched(x, 16);
            assertEquals(want.tileOffsets(), got.tileOffsets());
            assertEquals(want.fab(), got.fab(), 0);
            assertArrayEquals(want.output().data, got.output().data, "patch mode: bit for bit");
        }
    }

    @Test void batchedPatchModeEqualsOneTileAtATime() {
        assumeNative();
        QuantModel m = calibrated(TestGraphs.tinyEdsr(16, 1, 2, 5), new QuantSpec(4, 4, QuantMode.FQ), 51);
        m.imageMap().enable(20, 60);
        Tensor x = TestGraphs.image(40, 30, 97);   // 3 x 2 tiles of 16: batches of 4 and 2
        try (Int8Plan plan = new Int8Plan(m, 2)) {
            PatchedForward.Result one = PatchedForward.run(plan::run, x, 16), batched = PatchedForward.runBatched(plan::run, x, 16, 4);
            assertEquals(6, one.tileOffsets().size());
            assertEquals(one.tileOffsets(), batched.tileOffsets());
            assertEquals(one.fab(), batched.fab(), 0);
            assertArrayEquals(one.output().data, batched.output().data, "batched patch mode: bit for bit");
        }
    }

    @Test void bitsTheIntegerKernelsCannotRunAreRefusedUpFront() {
        assumeNative();
        QuantModel m = calibrated(TestGraphs.tinyEdsr(8, 1, 2, 6), new QuantSpec(4, 8, QuantMode.FQ), 60);
        m.imageMap().enable(5, 50);   // 8 base bits + image offset +1 = 9 bits
        UnsupportedOpException e = assertThrows(UnsupportedOpException.class, () -> new Int8Plan(m, 1));
        assertTrue(e.getMessage().contains("9 activation bits") && e.getMessage().contains("2..8"), e.getMessage());
    }

    @Test void closedPlansAndBadInputsFailClearly() {
        assumeNative();
        QuantModel m = calibrated(TestGraphs.tinyEdsr(8, 1, 2, 7), new QuantSpec(4, 4, QuantMode.FQ), 70);
        Int8Plan plan = new Int8Plan(m, 1);
        assertThrows(ShapeException.class, () -> plan.run(new Tensor(1, 1, 8, 8)));
        assertThrows(IllegalArgumentException.class, () -> plan.run(new Tensor(1, 3, 8, 8), new int[] {0, 0}));
        plan.run(TestGraphs.image(8, 8, 1));
        plan.close();
        plan.close();   // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> plan.run(TestGraphs.image(8, 8, 1)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test void uncalibratedLayersAreRefused() {
        assumeNative();
        QuantModel m = QuantModel.create(TestGraphs.tinyEdsr(8, 1, 2, 8), new QuantSpec(4, 4, QuantMode.FQ));
        LayerQuant head = m.layer("head.0");
        assertTrue(!head.calibrated());
        adabm.AdabmException e = assertThrows(adabm.AdabmException.class, () -> new Int8Plan(m, 1));
        assertTrue(e.getMessage().contains("not calibrated"), e.getMessage());
    }
}
