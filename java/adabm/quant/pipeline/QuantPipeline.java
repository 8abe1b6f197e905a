package adabm.quant.pipeline;

import adabm.backend.ConvKernels;
import adabm.graph.Graph;
import adabm.quant.*;
import adabm.quant.train.FineTuner;
import adabm.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Float model to quantized model, the whole AdaBM process (ADABM.md §3–§6) or a baseline on the same machinery:
 * sample calibration patches, one float calibration pass, bit-aware clipping (AdaBM only) and the staged
 * fine-tuning (unless turned off). Times each stage.
 */
public final class QuantPipeline {
    /** Patch size AdaBM uses for graphs with local-fusion convs (RDN-like); 96 otherwise. */
    public static final int RDN_PATCH_SIZE = 72;

    /** What to do. {@code fineTuning.epochs() == 0} with {@code fineTune} true is allowed (clipping only). */
    public record Settings(QuantSpec spec, CalibrationMethod method, boolean fineTune, int patches, int patchSize, long seed,
                           Calibrator.Options calibration, FineTuner.Options fineTuning) {
        public Settings {
            if (patches < 1) throw new IllegalArgumentException("patch count must be positive, got " + patches);
            if (patchSize < 8) throw new IllegalArgumentException("patch size must be at least 8, got " + patchSize);
        }

        /** The paper's settings for this graph: 100 patches of 96 (72 for RDN-like graphs), default calibration and schedule. */
        public static Settings defaults(Graph graph, QuantSpec spec, CalibrationMethod method) {
            int size = LayerRoles.derive(graph, spec.roleOverrides()).localFusion().isEmpty() ? CalibrationPatches.DEFAULT_SIZE : RDN_PATCH_SIZE;
            return new Settings(spec, method, true, CalibrationPatches.DEFAULT_COUNT, size, 0, Calibrator.Options.defaults(),
                    FineTuner.Options.defaults());
        }

        public Settings withFineTune(boolean on) {
            return new Settings(spec, method, on, patches, patchSize, seed, calibration, fineTuning);
        }

        public Settings withPatches(int count, int size) {
            return new Settings(spec, method, fineTune, count, size, seed, calibration, fineTuning);
        }

        public Settings withSeed(long s) {
            return new Settings(spec, method, fineTune, patches, patchSize, s, calibration, fineTuning.withSeed(s));
        }

        public Settings withCalibration(Calibrator.Options c) {
            return new Settings(spec, method, fineTune, patches, patchSize, seed, c, fineTuning);
        }

        public Settings withFineTuning(FineTuner.Options f) {
            return new Settings(spec, method, fineTune, patches, patchSize, seed, calibration, f);
        }

        /**
         * The fine-tuner options actually used: AdaBM clips on the first batch (unless its options turn clipping off,
         * for ablations), baselines never do; no FT = 0 epochs.
         */
        FineTuner.Options effectiveFineTuning() {
            FineTuner.Options f = fineTuning.withClipping(method == CalibrationMethod.ADABM && fineTuning.clipping());
            return fineTune ? f : f.withSize(0, f.steps(), f.batch());
        }
    }

    /** Progress: stage changes ("patches", "calibration", "fine-tuning") and every fine-tuning step. */
    public interface Listener {
        Listener NONE = new Listener() { };

        default void stage(String name) { }

        default void step(FineTuner.StepReport report) { }
    }

    /** The quantized model, the calibration report, the fine-tuning steps and seconds per stage. */
    public record Result(QuantModel model, Settings settings, CalibrationReport calibration, List<FineTuner.StepReport> steps,
                         double patchSeconds, double calibrationSeconds, double fineTuneSeconds) {
        public double totalSeconds() { return patchSeconds + calibrationSeconds + fineTuneSeconds; }
    }

    private QuantPipeline() { }

    /** Samples the calibration patches from a folder of LR images, then {@link #run(Graph, List, Settings, ConvKernels, Listener)}. */
    public static Result run(Graph graph, Path calibrationFolder, Settings s, ConvKernels kernels, Listener listener) {
        listener.stage("patches");
        long t0 = System.nanoTime();
        List<Tensor> patches = CalibrationPatches.sample(calibrationFolder, s.patches(), s.patchSize(), s.seed());
        double patchSeconds = (System.nanoTime() - t0) / 1e9;
        Result r = run(graph, patches, s, kernels, listener);
        return new Result(r.model(), s, r.calibration(), r.steps(), patchSeconds, r.calibrationSeconds(), r.fineTuneSeconds());
    }

    /** Quantizes the graph on these patches. */
    public static Result run(Graph graph, List<Tensor> patches, Settings s, ConvKernels kernels, Listener listener) {
        QuantModel model = QuantModel.create(graph, s.spec());
        listener.stage("calibration");
        long t0 = System.nanoTime();
        CalibrationReport report;
        try (FakeQuantRunner runner = new FakeQuantRunner(model, kernels)) {
            report = Calibrator.calibrate(runner, patches, s.method(), s.calibration());
        }
        double calibrationSeconds = (System.nanoTime() - t0) / 1e9;
        return fineTune(model, patches, s, report, calibrationSeconds, kernels, listener);
    }

    /**
     * Quantizes the graph on these patches from a float calibration pass already made over them (so one pass can
     * serve several methods, as {@code compare} does): a fresh model gets the method's bounds and maps from the
     * statistics, then clipping and fine-tuning as usual. The calibration seconds are the pass's plus applying it.
     * Statistics collected without percentiles cannot serve {@link CalibrationMethod#PERCENTILE}.
     */
    public static Result run(Graph graph, List<Tensor> patches, CalibrationStats stats, Settings s, ConvKernels kernels, Listener listener) {
        QuantModel model = QuantModel.create(graph, s.spec());
        listener.stage("calibration");
        CalibrationReport report = stats.apply(model, s.method());
        return fineTune(model, patches, s, report, report.seconds(), kernels, listener);
    }

    private static Result fineTune(QuantModel model, List<Tensor> patches, Settings s, CalibrationReport report, double calibrationSeconds,
                                   ConvKernels kernels, Listener listener) {
        listener.stage("fine-tuning");
        List<FineTuner.StepReport> steps = new ArrayList<>();
        long t1 = System.nanoTime();
        FineTuner.run(model, patches, s.effectiveFineTuning(), kernels, step -> { steps.add(step); listener.step(step); });
        double fineTuneSeconds = (System.nanoTime() - t1) / 1e9;
        return new Result(model, s, report, List.copyOf(steps), 0, calibrationSeconds, fineTuneSeconds);
    }
}
