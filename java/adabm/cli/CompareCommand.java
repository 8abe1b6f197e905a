package adabm.cli;

import adabm.backend.ConvKernels;
import adabm.eval.Dataset;
import adabm.graph.Graph;
import adabm.io.AtomicFiles;
import adabm.quant.QuantSpec;
import adabm.quant.report.*;
import adabm.quant.train.FineTuner;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Quantizes one model with every method on the same calibration patches and evaluates each on one data set:",
                "float32, MinMax, MinMax+FT, Percentile, Percentile+FT, AdaBM (no FT) and AdaBM. Prints a Markdown table",
                "(PSNR/SSIM on Y, FAB, seconds to quantize and to evaluate); optionally writes it as Markdown, CSV and JSON."})
final class CompareCommand implements Callable<Integer> {
    @Mixin ModelFileOptions model;

    @Option(names = "--data", required = true, description = "test data set folder, e.g. ../shared/datasets/Set5")
    Path data;

    @Option(names = "--rows", defaultValue = "all",
            description = {"rows to run, comma-separated: all, or methods float, minmax, percentile, adabm (each with and without",
                    "fine-tuning), or single rows minmax-noft, minmax+ft, percentile-noft, percentile+ft, adabm-noft, adabm+ft"})
    String rows;

    @Option(names = "--no-ft", description = "only the rows without fine-tuning")
    boolean noFt;

    @Option(names = "--markdown", description = "also write the Markdown table to this file")
    Path markdownOut;

    @Option(names = "--csv", description = "also write the rows as CSV to this file")
    Path csvOut;

    @Option(names = "--json", description = "also write rows, settings and provenance as JSON to this file")
    Path jsonOut;

    @Mixin QuantizeOptions quant;

    @Mixin KernelOptions kernel;

    @Override public Integer call() throws Exception {
        QuantSpec spec = quant.spec();
        Set<Variant> selected = EnumSet.copyOf(Variant.parse(rows));
        if (noFt) selected.removeIf(v -> v.fineTuned);
        if (selected.isEmpty()) throw new IllegalArgumentException("--no-ft leaves no rows of '" + rows + "'");
        OutputPaths.check("--markdown", markdownOut);
        OutputPaths.check("--csv", csvOut);
        OutputPaths.check("--json", jsonOut);
        int nThreads = kernel.threads();
        Graph g = model.load();
        int s = model.scale(g);
        Dataset set = Dataset.open(data);
        set.pairs(s);   // a broken test set fails before the calibration
        Path calibDir = CalibrationFolders.resolve(quant.calib, s);

        Comparison.Settings settings = Comparison.Settings.defaults(g, spec).withRows(selected).withSeed(quant.seed);
        settings = settings.withPatches(quant.patches(settings.patches()), quant.patchSize(settings.patchSize()));
        settings = settings.withFineTuning(quant.fineTuning(settings.fineTuning()).withThreads(nThreads));

        Comparison.Report report;
        try (ConvKernels kernels = kernel.open()) {
            report = Comparison.run(g, s, calibDir, set, settings, kernels, nThreads, new StderrProgress(System.err, settings, set.pairs(s).size()));
        }
        String md = ComparisonFormat.markdown(report);
        System.out.print(md);
        if (markdownOut != null) write(markdownOut, md, "Markdown");
        if (csvOut != null) write(csvOut, ComparisonFormat.csv(report), "CSV");
        if (jsonOut != null) write(jsonOut, ComparisonFormat.json(report), "JSON");
        return 0;
    }

    private static void write(Path file, String text, String what) {
        AtomicFiles.writeString(file, text);
        System.err.println("compare: " + what + " written to " + file);
    }

    /** One line per shared stage and row stage; a progress bar over fine-tuning steps and over test images. */
    static final class StderrProgress implements Comparison.Listener {
        private final PrintStream err;
        private final int stepsPerRow, stepsPerEpoch, images;
        private String prefix = "compare";
        private Progress bar;

        StderrProgress(PrintStream err, Comparison.Settings s, int images) {
            this.err = err;
            this.images = images;
            this.stepsPerEpoch = s.fineTuning().steps();
            this.stepsPerRow = s.fineTuning().epochs() * stepsPerEpoch;
        }

        @Override public void shared(String stage) { err.println("compare: " + stage); }

        @Override public void row(Variant v, int index, int total) { prefix = "compare " + index + "/" + total + " " + v.label; }

        @Override public void stage(Variant v, String stage) {
            bar = null;
            if (stage.equals("fine-tuning")) {
                if (v.fineTuned) bar = new Progress(err, prefix + " fine-tuning", stepsPerRow);
                else if (v.method == adabm.quant.CalibrationMethod.ADABM) err.println(prefix + ": bit-aware clipping");
            } else if (stage.equals("evaluation")) {
                bar = new Progress(err, prefix + " eval", images);
            } else {
                err.println(prefix + ": " + stage);
            }
        }

        @Override public void step(Variant v, FineTuner.StepReport r) {
            if (bar != null)
                bar.step((r.epoch() - 1) * stepsPerEpoch + r.step(), String.format(Locale.ROOT, "epoch %d step %d %s loss %.4f FAB %.2f",
                        r.epoch(), r.step(), r.stage(), r.loss(), r.batchFab()));
        }

        @Override public void image(Variant v, int done, int total, String name) {
            if (bar != null) bar.step(done, name);
        }

        @Override public void done(ComparisonRow row) {
            err.printf(Locale.ROOT, "%s: PSNR %.3f dB, SSIM %.4f, FAB %.2f, process %.1f s, eval %.1f s%n", prefix, row.psnr(), row.ssim(),
                    row.fab(), row.processSeconds(), row.evalSeconds());
            bar = null;
        }
    }
}
