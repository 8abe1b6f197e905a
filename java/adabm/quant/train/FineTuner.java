package adabm.quant.train;

import adabm.backend.ConvKernels;
import adabm.backend.ref.JavaConvKernels;
import adabm.quant.BitAwareClipping;
import adabm.quant.Calibrator;
import adabm.quant.FakeQuantRunner;
import adabm.quant.QuantModel;
import adabm.tensor.Tensor;
import java.util.*;

/**
 * AdaBM fine-tuning (ADABM.md §5–§6) of a calibrated {@link QuantModel}, in place: bit-aware clipping on the first
 * batch, then E epochs of S steps of batch B over the calibration patches (a seeded reshuffle whenever the patches
 * run out), with the float network as teacher. Epoch e learns {@link Stage#ofEpoch}'s parameters with that stage's
 * own Adam (moments persist across its visits); each stage's learning rates decay x0.9 after each of its epochs.
 */
public final class FineTuner {
    /**
     * Settings; {@link #defaults()} is the paper's schedule, except that weight bounds learn in log space
     * ({@link #withLogWeightBounds}): with the paper's absolute steps a head conv whose input normalisation is folded
     * into 0.005-wide weights gets its bound pushed to ten times its weights' range within an epoch.
     */
    public record Options(int epochs, int steps, int batch, long seed, double lambdaBit,
                          double lrWeight, double lrActivation, double lrLogit, double lrTau, double decay, int threads,
                          boolean clipping, long teacherCacheBytes, boolean logWeightBounds) {
        public Options {
            if (epochs < 0 || steps < 1 || batch < 1) throw new IllegalArgumentException("need epochs >= 0, steps >= 1, batch >= 1");
            if (lambdaBit < 0) throw new IllegalArgumentException("lambda_bit must be >= 0, got " + lambdaBit);
            if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            if (teacherCacheBytes < 0) throw new IllegalArgumentException("teacher cache must be >= 0 bytes, got " + teacherCacheBytes);
        }

        public static Options defaults() { return new Options(10, 50, 2, 0, FineTuneLoss.DEFAULT_LAMBDA_BIT, 0.01, 0.01, 0.01, 0.1, 0.9, 1, true, defaultTeacherCacheBytes(), true); }

        /** 40% of the heap this JVM may grow to: EDSR-8's 100 patches of 96x96 need about 1.9 GB. */
        public static long defaultTeacherCacheBytes() { return Runtime.getRuntime().maxMemory() / 5 * 2; }

        public Options withSize(int epochs, int steps, int batch) {
            return new Options(epochs, steps, batch, seed, lambdaBit, lrWeight, lrActivation, lrLogit, lrTau, decay, threads, clipping, teacherCacheBytes, logWeightBounds);
        }

        public Options withSeed(long seed) {
            return new Options(epochs, steps, batch, seed, lambdaBit, lrWeight, lrActivation, lrLogit, lrTau, decay, threads, clipping, teacherCacheBytes, logWeightBounds);
        }

        public Options withRates(double lrWeight, double lrActivation, double lrLogit, double lrTau) {
            return new Options(epochs, steps, batch, seed, lambdaBit, lrWeight, lrActivation, lrLogit, lrTau, decay, threads, clipping, teacherCacheBytes, logWeightBounds);
        }

        public Options withLambdaBit(double lambdaBit) {
            return new Options(epochs, steps, batch, seed, lambdaBit, lrWeight, lrActivation, lrLogit, lrTau, decay, threads, clipping, teacherCacheBytes, logWeightBounds);
        }

        /** Whether the first batch applies bit-aware clipping (§5; AdaBM does, the MinMax/Percentile baselines do not). */
        public Options withClipping(boolean clipping) {
            return new Options(epochs, steps, batch, seed, lambdaBit, lrWeight, lrActivation, lrLogit, lrTau, decay, threads, clipping, teacherCacheBytes, logWeightBounds);
        }

        /** How many bytes of teacher outputs and taps may be kept across epochs (0: recompute the teacher every step). */
        public Options withTeacherCache(long teacherCacheBytes) {
            return new Options(epochs, steps, batch, seed, lambdaBit, lrWeight, lrActivation, lrLogit, lrTau, decay, threads, clipping, teacherCacheBytes, logWeightBounds);
        }

        /**
         * Whether Adam steps the weight bounds in log space (uw = exp(theta), so lr_w is a relative step: a layer whose
         * weights are 0.005 wide moves as gently as one 0.5 wide) instead of on uw itself as ADABM.md §6 has it.
         */
        public Options withLogWeightBounds(boolean logWeightBounds) {
            return new Options(epochs, steps, batch, seed, lambdaBit, lrWeight, lrActivation, lrLogit, lrTau, decay, threads, clipping, teacherCacheBytes, logWeightBounds);
        }

        public Options withThreads(int threads) {
            return new Options(epochs, steps, batch, seed, lambdaBit, lrWeight, lrActivation, lrLogit, lrTau, decay, threads, clipping, teacherCacheBytes, logWeightBounds);
        }
    }

    /** One step: the loss before the update and its terms, the batch FAB, and the stage's learning-rate factor. */
    public record StepReport(int epoch, int step, Stage stage, double loss, double l1, double distill, double bit,
                             double batchFab, double lrFactor, double seconds) { }

    public interface Listener { void step(StepReport report); }

    private FineTuner() { }

    /** Fine-tunes on the pure-Java kernels with {@code o.threads()} threads. */
    public static void run(QuantModel model, List<Tensor> patches, Options o, Listener listener) {
        try (ConvKernels kernels = new JavaConvKernels(o.threads())) { run(model, patches, o, kernels, listener); }
    }

    /** Fine-tunes with convs (forward, both backward passes) on the given kernels. */
    public static void run(QuantModel model, List<Tensor> patches, Options o, ConvKernels kernels, Listener listener) {
        if (patches.isEmpty()) throw new IllegalArgumentException("fine-tuning needs calibration patches");
        SplittableRandom rnd = new SplittableRandom(o.seed());
        Batches batches = new Batches(patches, o.batch(), rnd);
        try (FakeQuantRunner runner = new FakeQuantRunner(model, kernels)) {
            TeacherCache teachers = new TeacherCache(runner, patches.size(), o.teacherCacheBytes());
            Batch first = batches.next();
            if (o.clipping()) BitAwareClipping.apply(runner, first.images());
            Map<Stage, StageParameters> params = new EnumMap<>(Stage.class);
            Map<Stage, Adam> adams = new EnumMap<>(Stage.class);
            Map<Stage, Double> lrFactor = new EnumMap<>(Stage.class);
            int base = model.spec().activationBits();
            for (int e = 1; e <= o.epochs(); e++) {
                Stage stage = Stage.ofEpoch(e);
                // the parameter set is fixed per stage, built on the first visit
                StageParameters p = params.computeIfAbsent(stage, s -> new StageParameters(model, s, o));
                Adam adam = adams.computeIfAbsent(stage, s -> new Adam(p.size()));
                double factor = lrFactor.getOrDefault(stage, 1.0);
                double[] lr = p.baseLearningRates();
                for (int i = 0; i < lr.length; i++) lr[i] *= factor;
                double lambda = stage == Stage.MEASURE ? o.lambdaBit() : 0;
                for (int step = 1; step <= o.steps(); step++) {
                    long t0 = System.nanoTime();
                    Batch batch = e == 1 && step == 1 ? first : batches.next();
                    if (p.size() == 0) {   // nothing to learn (a fixed-bit baseline's measure stage): same batches, no work
                        listener.step(new StepReport(e, step, stage, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, factor, 0));
                        continue;
                    }
                    Teacher teacher = teachers.of(batch.indices(), batch.images());
                    Tape tape = Tape.record(model, batch.images(), kernels);
                    FineTuneLoss.Value v = FineTuneLoss.compute(tape.output(), teacher.output(), tape.taps(), teacher.taps(),
                            tape.batchFab(), base, lambda);
                    Gradients g = tape.backward(v.dOutput(), v.dTaps(), v.dBatchFab(), stage == Stage.W);
                    p.apply(adam.step(p.gradient(g), lr));
                    listener.step(new StepReport(e, step, stage, v.total(), v.l1(), v.distill(), v.bit(), tape.batchFab(), factor,
                            (System.nanoTime() - t0) / 1e9));
                }
                lrFactor.put(stage, factor * o.decay());
            }
        }
    }

    /** Stacked patches and their indices in the calibration list. */
    private record Batch(int[] indices, Tensor images) { }

    /** Consecutive batches from successive seeded shuffles of the patches. */
    private static final class Batches {
        private final List<Tensor> patches;
        private final int size;
        private final SplittableRandom rnd;
        private int[] order = new int[0];
        private int cursor;

        Batches(List<Tensor> patches, int size, SplittableRandom rnd) {
            this.patches = patches;
            this.size = size;
            this.rnd = rnd;
        }

        Batch next() {
            List<Tensor> items = new ArrayList<>(size);
            int[] indices = new int[size];
            while (items.size() < size) {
                if (cursor == order.length) reshuffle();
                indices[items.size()] = order[cursor];
                items.add(patches.get(order[cursor++]));
            }
            return new Batch(indices, Calibrator.stack(items));
        }

        private void reshuffle() {
            order = new int[patches.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            for (int i = order.length - 1; i > 0; i--) { int j = rnd.nextInt(i + 1); int t = order[i]; order[i] = order[j]; order[j] = t; }
            cursor = 0;
        }
    }
}
