package adabm.quant.train;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestGraphs;
import adabm.quant.*;
import adabm.tensor.Tensor;
import java.util.*;
import org.junit.jupiter.api.Test;

/** The staged schedule, Adam, and fine-tuning end to end on a tiny EDSR-like model with 8x8 patches. */
class FineTunerTest {
    private static final adabm.backend.ConvKernels JAVA = new adabm.backend.ref.JavaConvKernels(1);

    static List<Tensor> patches(int count, long seed) {
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < count; i++) out.add(TestGraphs.image(8, 8, seed + i));
        return out;
    }

    static QuantModel calibrated(List<Tensor> patches) { return calibrated(patches, new QuantSpec(4, 4, QuantMode.FQ)); }

    static QuantModel calibrated(List<Tensor> patches, QuantSpec spec) {
        QuantModel m = QuantModel.create(TestGraphs.tinyEdsr(4, 2, 2, 3), spec);
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) { Calibrator.calibrate(r, patches, CalibrationMethod.ADABM); }
        return m;
    }

    /** Every learnable value: per layer uw, l, u, m; then tauLow, tauHigh. */
    static double[] snapshot(QuantModel m) {
        List<Double> v = new ArrayList<>();
        for (LayerQuant q : m.layers()) { v.add((double) q.weightBound()); v.add((double) q.lower()); v.add((double) q.upper()); v.add((double) q.layerLogit()); }
        v.add(m.imageMap().tauLow());
        v.add(m.imageMap().tauHigh());
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test void stagesFollowThePaperOrder() {
        Stage[] expected = {Stage.W, Stage.A, Stage.MEASURE, Stage.W, Stage.A, Stage.MEASURE, Stage.W, Stage.A, Stage.MEASURE, Stage.W};
        for (int e = 1; e <= 10; e++) assertEquals(expected[e - 1], Stage.ofEpoch(e), "epoch " + e);
        assertThrows(IllegalArgumentException.class, () -> Stage.ofEpoch(0));
    }

    @Test void adamMatchesHandComputedSteps() {
        Adam adam = new Adam(2);
        double[] d1 = adam.step(new double[] {0.5, -2}, new double[] {0.1, 0.01});
        // first step: m_hat = g, v_hat = g^2, so the step is -lr * sign(g) (up to eps)
        assertEquals(-0.1, d1[0], 1e-8);
        assertEquals(0.01, d1[1], 1e-8);
        double[] d2 = adam.step(new double[] {0.25, 0}, new double[] {0.1, 0.01});
        // m = 0.9*0.05 + 0.1*0.25 = 0.07, m_hat = 0.07/0.19; v = 0.999*0.00025 + 0.001*0.0625 = 0.00031225, v_hat = v/0.001999
        double mHat = 0.07 / 0.19, vHat = 0.00031225 / (1 - 0.999 * 0.999);
        assertEquals(-0.1 * mHat / (Math.sqrt(vHat) + 1e-8), d2[0], 1e-12);
        assertEquals(2, adam.steps());
    }

    @Test void eachEpochLearnsOnlyItsStageWithDecayingRates() {
        List<Tensor> patches = patches(6, 40);
        QuantModel m = calibrated(patches);
        int layers = m.layers().size();
        List<FineTuner.StepReport> reports = new ArrayList<>();
        List<double[]> states = new ArrayList<>();
        double[] before = snapshot(m);
        FineTuner.run(m, patches, FineTuner.Options.defaults().withSize(10, 2, 2), r -> { reports.add(r); states.add(snapshot(m)); });
        assertEquals(20, reports.size());
        Map<Stage, Integer> visits = new EnumMap<>(Stage.class);
        for (int i = 0; i < reports.size(); i++) {
            FineTuner.StepReport r = reports.get(i);
            assertEquals(i / 2 + 1, r.epoch());
            assertEquals(Stage.ofEpoch(r.epoch()), r.stage());
            int visit = visits.getOrDefault(r.stage(), 0);
            assertEquals(Math.pow(0.9, visit), r.lrFactor(), 1e-12, "epoch " + r.epoch());
            if (r.step() == 2) visits.put(r.stage(), visit + 1);
            assertEquals(r.stage() == Stage.MEASURE ? 50 * Math.max(r.batchFab() - 4, 0) : 0, r.bit(), 1e-9, "bit term only in measure stages");
            if (i == 0) continue;   // bit-aware clipping moved l, u before the first step
            double[] prev = states.get(i - 1), now = states.get(i);
            boolean anyChanged = false;
            for (int k = 0; k < prev.length; k++) {
                int field = k < 4 * layers ? k % 4 : 4;
                boolean own = switch (r.stage()) { case W -> field == 0; case A -> field == 1 || field == 2; case MEASURE -> field == 3 || field == 4; };
                if (!own) assertEquals(prev[k], now[k], "epoch " + r.epoch() + " " + r.stage() + " must not move value " + k);
                else anyChanged |= prev[k] != now[k];
            }
            assertTrue(anyChanged, "epoch " + r.epoch() + " moved its parameters");
        }
        // first step of the first w epoch: Adam's first step is lr = 0.01 exactly on ln(uw), so uw moves by a factor
        // exp(+-0.01) (up to float rounding of uw, relative 6e-8)
        int k = 0;
        for (LayerQuant q : m.layers()) {
            if (q.kind().quantized()) assertEquals(0.01, Math.abs(Math.log(states.get(0)[k] / before[k])), 1e-6, q.name());
            k += 4;
        }
    }

    /** ADABM.md's own update, kept as an option: the first Adam step moves uw itself by lr = 0.01. */
    @Test void linearWeightBoundsStepByTheLearningRate() {
        List<Tensor> patches = patches(4, 40);
        QuantModel m = calibrated(patches);
        double[] before = snapshot(m);
        List<double[]> states = new ArrayList<>();
        FineTuner.run(m, patches, FineTuner.Options.defaults().withSize(1, 1, 2).withLogWeightBounds(false), r -> states.add(snapshot(m)));
        int k = 0;
        for (LayerQuant q : m.layers()) {
            if (q.kind().quantized()) assertEquals(0.01, Math.abs(states.get(0)[k] - before[k]), 1e-6, q.name());
            k += 4;
        }
    }

    /**
     * The bit penalty drives the measure stage: with every adaptive layer just above its +1 offset (m = 0.56) the batch
     * FAB exceeds the base, the penalty's gradient pushes the logits down through tanh, they cross 0.5 within a few
     * steps at lr 0.01 and the FAB and the total loss fall. (Weight and activation rates are 0 so only the maps move;
     * on a random tiny network the w/a stages' straight-through steps do not reliably lower the loss.)
     */
    @Test void measureStageLowersTheBitPenaltyAndTheLoss() {
        List<Tensor> patches = patches(8, 70);
        QuantModel m = calibrated(patches);
        for (LayerQuant q : m.layersOfKind(LayerKind.ADAPTIVE)) q.setLayerLogit(0.56f);
        List<FineTuner.StepReport> measure = new ArrayList<>();
        FineTuner.run(m, patches.subList(0, 2), FineTuner.Options.defaults().withSize(3, 12, 2).withRates(0, 0, 0.01, 0.1),
                r -> { if (r.stage() == Stage.MEASURE) measure.add(r); });
        FineTuner.StepReport first = measure.get(0), last = measure.get(measure.size() - 1);
        System.out.printf("measure stage: loss %.3f -> %.3f, FAB %.3f -> %.3f%n", first.loss(), last.loss(), first.batchFab(), last.batchFab());
        assertTrue(first.bit() > 0, "penalty active at the start");
        assertTrue(last.batchFab() < first.batchFab() - 0.5, "FAB fell: " + first.batchFab() + " -> " + last.batchFab());
        assertTrue(last.loss() < first.loss(), "loss fell: " + first.loss() + " -> " + last.loss());
    }

    /** MinMax/Percentile + FT are fixed-bit baselines: the measure stage must not move their bits. */
    @Test void baselinesKeepTheirBits() {
        List<Tensor> patches = patches(6, 40);
        QuantModel m = QuantModel.create(TestGraphs.tinyEdsr(4, 2, 2, 3), new QuantSpec(4, 4, QuantMode.FQ));
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) { Calibrator.calibrate(r, patches, CalibrationMethod.MINMAX); }
        assertFalse(m.hasBitMaps());
        List<FineTuner.StepReport> steps = new ArrayList<>();
        FineTuner.run(m, patches, FineTuner.Options.defaults().withSize(3, 4, 2).withClipping(false), steps::add);
        assertEquals(12, steps.size(), "every step is reported, the empty measure stage included");
        for (LayerQuant q : m.layers()) assertEquals(0f, q.layerLogit(), q.name());
        assertTrue(steps.stream().filter(r -> r.stage() == Stage.MEASURE).allMatch(r -> Double.isNaN(r.loss())));
        assertTrue(steps.stream().filter(r -> r.stage() != Stage.MEASURE).allMatch(r -> r.batchFab() == 4.0));
    }

    /** The small version of Table S8a: a larger lambda_bit never ends at a higher FAB (same data, seed, start). */
    @Test void largerLambdaBitGivesFewerBits() {
        List<Tensor> patches = patches(8, 70);
        double[] lambdas = {1, 10, 50, 100};
        double[] fab = new double[lambdas.length];
        for (int i = 0; i < lambdas.length; i++) {
            QuantModel m = calibrated(patches);
            for (LayerQuant q : m.layersOfKind(LayerKind.ADAPTIVE)) q.setLayerLogit(0.56f);
            FineTuner.run(m, patches, FineTuner.Options.defaults().withSize(3, 12, 2).withLambdaBit(lambdas[i]), r -> { });
            fab[i] = 0;
            for (LayerQuant q : m.layersOfKind(LayerKind.ADAPTIVE)) fab[i] += 4 + q.layerOffset();
            fab[i] /= m.layersOfKind(LayerKind.ADAPTIVE).size();
        }
        System.out.println("lambda_bit " + Arrays.toString(lambdas) + " -> mean layer bits " + Arrays.toString(fab));
        for (int i = 1; i < fab.length; i++) assertTrue(fab[i] <= fab[i - 1], "FAB rose with lambda_bit: " + Arrays.toString(fab));
        assertTrue(fab[fab.length - 1] < fab[0], "lambda_bit 100 vs 1: " + Arrays.toString(fab));
    }

    static double loss(QuantModel m, Tensor batch) {
        Teacher t;
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) { t = Teacher.of(r, batch).channelsLast(); }
        Tape tape = Tape.record(m, batch, JAVA);
        return FineTuneLoss.compute(tape.output(), t.output(), tape.taps(), t.taps(), tape.batchFab(), 4, 0).total();
    }

    @Test void sameSeedSameParametersAcrossThreadCounts() {
        List<Tensor> patches = patches(6, 90);
        double[][] runs = new double[3][];
        long[] seeds = {5, 5, 6};
        int[] threads = {1, 2, 1};
        for (int i = 0; i < 3; i++) {
            QuantModel m = calibrated(patches);
            FineTuner.run(m, patches, FineTuner.Options.defaults().withSize(3, 3, 2).withSeed(seeds[i]).withThreads(threads[i]), r -> { });
            runs[i] = snapshot(m);
        }
        assertArrayEquals(runs[0], runs[1], "same seed, one or two threads");
        assertFalse(Arrays.equals(runs[0], runs[2]), "another seed visits other batches");
    }

    @Test void teacherCacheChangesNothing() {
        // 6 patches, batch 2, 3 steps per epoch: epoch 1 fills the cache, epochs 2-4 read it; a half-size budget caches
        // some patches and recomputes batches holding the others
        List<Tensor> patches = patches(6, 70);
        long onePatch = 4L * (3 * 16 * 16 + 2 * 4 * 8 * 8);   // tinyEdsr(4 channels, 2 blocks, x2): output + two taps
        long[] budgets = {0, 3 * onePatch, Long.MAX_VALUE};
        double[][] runs = new double[budgets.length][];
        for (int i = 0; i < budgets.length; i++) {
            QuantModel m = calibrated(patches);
            FineTuner.run(m, patches, FineTuner.Options.defaults().withSize(4, 3, 2).withTeacherCache(budgets[i]), r -> { });
            runs[i] = snapshot(m);
        }
        assertArrayEquals(runs[0], runs[1], "half the patches cached");
        assertArrayEquals(runs[0], runs[2], "every patch cached");
    }
}
