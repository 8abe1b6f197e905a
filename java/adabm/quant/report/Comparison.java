package adabm.quant.report;

import adabm.backend.ConvKernels;
import adabm.eval.Dataset;
import adabm.graph.Graph;
import adabm.quant.*;
import adabm.quant.pipeline.QuantPipeline;
import adabm.quant.train.FineTuner;
import adabm.tensor.Tensor;
import java.nio.file.Path;
import java.time.Instant;
import java.util.*;

/**
 * Float32, the MinMax and Percentile baselines (each without and with fine-tuning) and AdaBM (without and with) on
 * the same model, calibration patches and test set (the supplementary's Tables S2, S3, S5). The patches are sampled
 * once and one float calibration pass serves every method (its statistics hold min/max and percentiles alike), so
 * each quantized row starts from a fresh model with exactly the calibration {@link QuantPipeline} would give it.
 * Every quantized row's process time counts the shared sampling and pass, as if that method had been run alone.
 */
public final class Comparison {
    /** What to run; fine-tuning and calibration options are shared by every quantized row. */
    public record Settings(QuantSpec spec, Set<Variant> rows, int patches, int patchSize, long seed,
                           Calibrator.Options calibration, FineTuner.Options fineTuning) {
        public Settings {
            if (rows.isEmpty()) throw new IllegalArgumentException("no comparison rows selected");
            rows = Collections.unmodifiableSet(EnumSet.copyOf(rows));
        }

        /** Every row with the paper's settings for this graph ({@link QuantPipeline.Settings#defaults}). */
        public static Settings defaults(Graph graph, QuantSpec spec) {
            QuantPipeline.Settings p = QuantPipeline.Settings.defaults(graph, spec, CalibrationMethod.ADABM);
            return new Settings(spec, EnumSet.allOf(Variant.class), p.patches(), p.patchSize(), p.seed(), p.calibration(), p.fineTuning());
        }

        public Settings withRows(Set<Variant> r) { return new Settings(spec, r, patches, patchSize, seed, calibration, fineTuning); }

        public Settings withPatches(int count, int size) { return new Settings(spec, rows, count, size, seed, calibration, fineTuning); }

        public Settings withSeed(long s) { return new Settings(spec, rows, patches, patchSize, s, calibration, fineTuning.withSeed(s)); }

        public Settings withFineTuning(FineTuner.Options f) { return new Settings(spec, rows, patches, patchSize, seed, calibration, f); }

        /** The pipeline settings of one quantized row. */
        public QuantPipeline.Settings pipeline(Variant v) {
            if (v.method == null) throw new IllegalArgumentException("float32 has no quantization settings");
            return new QuantPipeline.Settings(spec, v.method, v.fineTuned, patches, patchSize, seed, calibration, fineTuning);
        }
    }

    /** Everything the table, CSV and JSON show, with provenance. */
    public record Report(String model, int scale, String dataset, Path calibrationFolder, String backend, int threads, Settings settings,
                         Instant date, double patchSeconds, double calibrationPassSeconds, boolean percentileStatistics,
                         List<ComparisonRow> rows) {
        public Report { rows = List.copyOf(rows); }

        public ComparisonRow row(Variant v) {
            return rows.stream().filter(r -> r.variant() == v).findFirst()
                    .orElseThrow(() -> new NoSuchElementException("no row " + v.key + " in this comparison"));
        }
    }

    /** Progress, row by row. */
    public interface Listener {
        Listener NONE = new Listener() { };

        /** Shared stages before the rows ("patches", "calibration pass") and what they took. */
        default void shared(String stage) { }

        /** Row {@code index} (1-based) of {@code total} starts. */
        default void row(Variant v, int index, int total) { }

        default void stage(Variant v, String stage) { }

        default void step(Variant v, FineTuner.StepReport step) { }

        default void image(Variant v, int done, int total, String name) { }

        default void done(ComparisonRow row) { }
    }

    private Comparison() { }

    /**
     * Runs the selected rows. The test set's image pairs are checked before any work. {@code backend} and
     * {@code threads} are provenance only: the kernels are the caller's (and the caller closes them).
     */
    public static Report run(Graph graph, int scale, Path calibrationFolder, Dataset data, Settings s, ConvKernels kernels,
                             int threads, Listener listener) {
        data.pairs(scale);   // a broken test set fails now, not after the calibration
        Instant date = Instant.now();
        boolean quantized = s.rows().stream().anyMatch(v -> v.method != null);
        boolean percentiles = s.rows().stream().anyMatch(v -> v.method == CalibrationMethod.PERCENTILE);
        List<Tensor> patches = List.of();
        CalibrationStats stats = null;
        double patchSeconds = 0;
        if (quantized) {
            listener.shared("patches");
            long t0 = System.nanoTime();
            patches = CalibrationPatches.sample(calibrationFolder, s.patches(), s.patchSize(), s.seed());
            patchSeconds = (System.nanoTime() - t0) / 1e9;
            listener.shared("calibration pass");
            // the runner only serves float forwards here; the spec does not matter
            try (FakeQuantRunner floatRunner = new FakeQuantRunner(QuantModel.create(graph, s.spec()), kernels)) {
                stats = CalibrationStats.collect(floatRunner, patches, s.calibration(), percentiles);
            }
            listener.shared(String.format(Locale.ROOT, "calibration pass over %d patches of %dx%d: %.1f s", patches.size(), s.patchSize(),
                    s.patchSize(), stats.seconds()));
        }
        List<ComparisonRow> rows = new ArrayList<>();
        int index = 0;
        for (Variant v : s.rows()) {
            listener.row(v, ++index, s.rows().size());
            rows.add(v.method == null ? floatRow(graph, scale, data, s.spec(), kernels, listener)
                    : quantRow(v, graph, scale, data, s, patches, stats, patchSeconds, kernels, listener));
            listener.done(rows.getLast());
        }
        return new Report(graph.name(), scale, data.name(), calibrationFolder, kernels.name(), threads, s, date, patchSeconds,
                stats == null ? 0 : stats.seconds(), percentiles, rows);
    }

    private static ComparisonRow floatRow(Graph graph, int scale, Dataset data, QuantSpec spec, ConvKernels kernels, Listener listener) {
        listener.stage(Variant.FLOAT, "evaluation");
        long t0 = System.nanoTime();
        QuantEvaluation.Result e;
        try (FakeQuantRunner runner = new FakeQuantRunner(QuantModel.create(graph, spec), kernels)) {
            e = QuantEvaluation.evaluate(runner, data, scale, false, (done, total, name) -> listener.image(Variant.FLOAT, done, total, name));
        }
        return row(Variant.FLOAT, e, 0, (System.nanoTime() - t0) / 1e9, null);
    }

    private static ComparisonRow quantRow(Variant v, Graph graph, int scale, Dataset data, Settings s, List<Tensor> patches,
                                          CalibrationStats stats, double patchSeconds, ConvKernels kernels, Listener listener) {
        QuantPipeline.Result q = QuantPipeline.run(graph, patches, stats, s.pipeline(v), kernels, new QuantPipeline.Listener() {
            @Override public void stage(String name) { listener.stage(v, name); }

            @Override public void step(FineTuner.StepReport report) { listener.step(v, report); }
        });
        QuantPipeline.Result timed = new QuantPipeline.Result(q.model(), q.settings(), q.calibration(), q.steps(), patchSeconds,
                q.calibrationSeconds(), q.fineTuneSeconds());
        listener.stage(v, "evaluation");
        long t0 = System.nanoTime();
        QuantEvaluation.Result e;
        try (FakeQuantRunner runner = new FakeQuantRunner(q.model(), kernels)) {
            e = QuantEvaluation.evaluate(runner, data, scale, true, (done, total, name) -> listener.image(v, done, total, name));
        }
        return row(v, e, timed.totalSeconds(), (System.nanoTime() - t0) / 1e9, timed);
    }

    private static ComparisonRow row(Variant v, QuantEvaluation.Result e, double processSeconds, double evalSeconds, QuantPipeline.Result q) {
        return new ComparisonRow(v, e.eval().mean().psnr(), e.eval().mean().ssim(), e.fab(), processSeconds, evalSeconds, e, q);
    }
}
