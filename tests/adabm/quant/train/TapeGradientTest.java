package adabm.quant.train;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestGraphs;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.quant.*;
import adabm.tensor.Layout;
import adabm.tensor.Tensor;
import java.util.*;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The tape's forward against {@link FakeQuantRunner} (bit for bit) and its analytic gradients of the whole §6 loss
 * against central finite differences of the straight-through surrogate ({@link SteSurrogate}), for every learnable
 * parameter of a tiny EDSR-like model at W4A4 with both bit maps on and the bit penalty active.
 */
class TapeGradientTest {
    private static final adabm.backend.ConvKernels JAVA = new adabm.backend.ref.JavaConvKernels(1);

    /** Finite-difference step for activation bounds, as a fraction of u - l. */
    static final double STEP = 2e-4;
    static Tensor batch() {
        Tensor a = TestGraphs.image(8, 8, 5), b = TestGraphs.image(8, 8, 6);
        for (int i = 0; i < b.data.length; i++) b.data[i] = 0.5f * b.data[i] + 40;   // a smoother second image
        return Calibrator.stack(List.of(a, b));
    }

    /** Tiny model, ADABM-calibrated, then the logits moved off the integers and the image thresholds between the two images. */
    static QuantModel model(QuantMode mode, Tensor batch) { return model(TestGraphs.tinyEdsr(4, 2, 2, 3), mode, batch); }

    static QuantModel model(Graph g, QuantMode mode, Tensor batch) {
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, mode));
        List<Tensor> patches = new ArrayList<>();
        for (int i = 0; i < 6; i++) patches.add(TestGraphs.image(8, 8, 100 + i));
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) { Calibrator.calibrate(r, patches, CalibrationMethod.ADABM); }
        // off the kinks of the finite differences: relu outputs sit exactly at a calibrated l = 0, and an 8-bit
        // layer's uw = max|W| puts a weight exactly on the clamp edge (the one-sided slopes differ there)
        for (LayerQuant q : m.layers()) {
            if (!q.kind().quantized()) continue;
            q.setActivationBounds(q.lower() - 0.0123f * (q.upper() - q.lower()), q.upper());
            q.setWeightBound(0.9876f * q.weightBound());
        }
        float[] logits = {0.9f, 0.2f, -0.3f, 0.7f, 0.35f};
        int i = 0;
        for (LayerQuant q : m.layersOfKind(LayerKind.ADAPTIVE)) q.setLayerLogit(logits[i++ % logits.length]);
        double g0 = ImageComplexity.of(batch, 0), g1 = ImageComplexity.of(batch, 1);
        double lo = Math.min(g0, g1), hi = Math.max(g0, g1);
        m.imageMap().enable(lo + 0.3 * (hi - lo), lo + 0.8 * (hi - lo));
        return m;
    }

    @Test void tapeForwardEqualsFakeQuantRunner() {
        Tensor batch = batch();
        for (QuantMode mode : QuantMode.values()) {
            QuantModel m = model(mode, batch);
            Map<String, Tensor> taps = new LinkedHashMap<>();
            FakeQuantRunner.Forward f;
            try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) {
                f = r.run(batch, new ForwardHooks() {
                    @Override public void residualTap(String node, Tensor out) { taps.put(node, out); }
                });
            }
            Tape t = Tape.record(m, batch, JAVA);
            // the tape is channels last; on the Java kernels its convs reorder around the same NCHW loops: bit for bit
            assertArrayEquals(f.output().data, Layout.toNchw(t.output()).data, mode.toString());
            assertArrayEquals(f.fab(), t.fab(), mode.toString());
            assertEquals(taps.keySet(), t.taps().keySet());
            assertEquals(2, taps.size());
            taps.forEach((k, v) -> assertArrayEquals(v.data, Layout.toNchw(t.taps().get(k)).data, k));
            assertNotEquals(t.fab()[0], t.fab()[1], "the two images get different image offsets");
        }
    }

    /** A learnable parameter, its analytic gradient, and a finite-difference step (scaled to the parameter's range). */
    record Param(String name, Supplier<Double> get, Consumer<Double> set, Supplier<Double> grad, double step) { }

    @Test void lossGradientMatchesSurrogateFiniteDifferencesForEveryParameter() {
        for (QuantMode mode : QuantMode.values()) checkGradients(mode);
    }

    /** Every other IR op on the path: PRelu, LeakyRelu, Concat, Pad (edge, constant), Sub, DCR shuffle, ResizeNearest. */
    static Graph allOps() {
        Random r = new Random(9);
        List<Op> ops = new ArrayList<>();
        ops.add(new Op.Affine("sub_mean", "lr", "x0", new float[] {1f / 64}, new float[] {-1.7f, -1.8f, -1.6f}));
        ops.add(TestGraphs.conv(r, "head", "x0", "h", 3, 4, 3));
        ops.add(new Op.PRelu("prelu", "h", "p", new float[] {0.1f, 0.2f, -0.3f, 0.25f}));
        ops.add(TestGraphs.conv(r, "body.c1", "p", "a", 4, 4, 3));
        ops.add(new Op.LeakyRelu("leaky", "a", "la", 0.2f));
        ops.add(new Op.Concat("cat", List.of("h", "la"), "cat"));
        ops.add(TestGraphs.conv(r, "body.c2", "cat", "b", 8, 4, 1));
        ops.add(new Op.Pad("pad_edge", "b", "bp", 1, 1, 1, 1, Op.PadMode.EDGE, 0f));
        Op.Conv2d valid = TestGraphs.conv(r, "body.c3", "bp", "c", 4, 4, 3);
        ops.add(new Op.Conv2d(valid.name(), valid.input(), valid.output(), 4, 4, 3, 3, 0, 0, 0, 0, 1, valid.weight(), valid.bias()));
        ops.add(new Op.Sub("sub", "c", "h", "d"));
        ops.add(new Op.Add("add", "d", "p", "e"));
        ops.add(TestGraphs.conv(r, "up", "e", "u", 4, 16, 3));
        ops.add(new Op.DepthToSpace("shuffle", "u", "s", 2, Op.ShuffleOrder.DCR));
        ops.add(new Op.ResizeNearest("resize", "h", "rh", 2));
        ops.add(new Op.Add("merge", "s", "rh", "t"));
        ops.add(new Op.Pad("pad_const", "t", "tp", 0, 0, 1, 1, Op.PadMode.CONSTANT, 0.5f));
        Op.Conv2d tail = TestGraphs.conv(r, "tail", "tp", "sr", 4, 3, 3);
        ops.add(new Op.Conv2d("tail", "tp", "sr", 4, 3, 2, 2, 0, 0, 0, 0, 1, Arrays.copyOf(tail.weight(), 3 * 4 * 4), tail.bias()));
        return new Graph("all-ops", "lr", 3, ops, "sr", Map.of());
    }

    @Test void gradientsThroughEveryOpKind() {
        Tensor batch = batch();
        for (QuantMode mode : QuantMode.values()) {
            QuantModel m = model(allOps(), mode, batch);
            Tape t = Tape.record(m, batch, JAVA);
            try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) { assertArrayEquals(r.run(batch, ForwardHooks.NONE).output().data, Layout.toNchw(t.output()).data); }
            checkGradients(m, batch);
        }
    }

    static void checkGradients(QuantMode mode) {
        Tensor batch = batch();
        QuantModel m = model(mode, batch);
        assertTrue(m.layersOfKind(LayerKind.ADAPTIVE).size() >= 3, "the tiny model has adaptive layers");
        checkGradients(m, batch);
    }

    static void checkGradients(QuantModel m, Tensor batch) {
        String mode = m.graph().name() + " " + m.spec().mode();
        Teacher teacher;
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) { teacher = Teacher.of(r, batch).channelsLast(); }
        int base = m.spec().activationBits();
        double lambda = FineTuneLoss.DEFAULT_LAMBDA_BIT;
        Tape tape = Tape.record(m, batch, JAVA);
        assertTrue(tape.batchFab() > base, "the bit penalty is active: FAB " + tape.batchFab());
        FineTuneLoss.Value v = FineTuneLoss.compute(tape.output(), teacher.output(), tape.taps(), teacher.taps(), tape.batchFab(), base, lambda);
        Gradients g = tape.backward(v.dOutput(), v.dTaps(), v.dBatchFab());

        SteSurrogate ste = new SteSurrogate(m, batch, ImageComplexity.ofBatch(batch));
        Supplier<Double> loss = () -> {
            Tape t = Tape.record(m, batch, ste, JAVA);
            return FineTuneLoss.compute(t.output(), teacher.output(), t.taps(), teacher.taps(), t.batchFab(), base, lambda).total();
        };
        assertEquals(v.total(), loss.get(), 1e-4 * v.total(), "surrogate equals the exact loss at the baseline");

        List<Param> params = new ArrayList<>();
        for (LayerQuant q : m.layers()) {
            if (!q.kind().quantized()) continue;
            Gradients.Layer lg = g.layer(q.name());
            params.add(new Param(q.name() + ".uw", () -> (double) q.weightBound(), x -> q.setWeightBound(x.floatValue()), () -> lg.weightBound, 2e-4 * q.weightBound()));
            params.add(new Param(q.name() + ".l", () -> (double) q.lower(), x -> q.setActivationBounds(x.floatValue(), q.upper()), () -> lg.lower, STEP * (q.upper() - q.lower())));
            params.add(new Param(q.name() + ".u", () -> (double) q.upper(), x -> q.setActivationBounds(q.lower(), x.floatValue()), () -> lg.upper, STEP * (q.upper() - q.lower())));
            if (q.kind() == LayerKind.ADAPTIVE)
                params.add(new Param(q.name() + ".m", () -> (double) q.layerLogit(), x -> q.setLayerLogit(x.floatValue()), () -> lg.logit, 1e-3));
        }
        ImageBitMap map = m.imageMap();
        params.add(new Param("tauLow", map::tauLow, x -> map.enable(x, map.tauHigh()), () -> g.tauLow, 1e-3 * (map.tauHigh() - map.tauLow())));
        params.add(new Param("tauHigh", map::tauHigh, x -> map.enable(map.tauLow(), x), () -> g.tauHigh, 1e-3 * (map.tauHigh() - map.tauLow())));
        for (Param p : params) {
            double x0 = p.get().get();
            double h = p.step();
            p.set().accept(x0 + h);
            double hp = p.get().get() - x0;
            double up = loss.get();
            p.set().accept(x0 - h);
            double hm = x0 - p.get().get();
            double down = loss.get();
            p.set().accept(x0);
            double fd = (up - down) / (hp + hm);
            double an = p.grad().get();

            // a few percent for the odd clamp/sign flip inside [x0 - h, x0 + h], plus the float32 forward's noise on
            // the loss (the loss is summed in double from float32 outputs; 1e-8 |L| covers the observed scatter threefold) divided by the step
            double noise = 1e-8 * Math.abs(v.total()) / h;
            System.out.printf("%s %-22s analytic %12.6g  fd %12.6g  noise allowance %.2g%n", mode, p.name(), an, fd, noise);
            assertEquals(fd, an, 0.03 * Math.abs(fd) + Math.max(2e-4, noise), mode + " " + p.name() + " (noise allowance " + noise + ")");
            assertNotEquals(0.0, an, mode + " " + p.name() + " receives a gradient");
        }
    }
}
