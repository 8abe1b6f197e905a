package adabm.bench;

import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import adabm.eval.Dataset;
import adabm.eval.Progress;
import adabm.graph.Graph;
import adabm.io.AtomicFiles;
import adabm.io.ModelLoader;
import adabm.quant.*;
import adabm.quant.artifact.CalibrationSource;
import adabm.quant.artifact.QuantArtifact;
import adabm.quant.pipeline.QuantPipeline;
import adabm.quant.report.Variant;
import adabm.quant.train.FineTuner;
import adabm.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * The issue-3 measurements for one model: selected comparison rows (one shared patch sample and float calibration
 * pass), each evaluated on several data sets, each quantized model saved as an artifact so any number can be
 * re-checked with {@code adabm eval --quant}. Appends Markdown rows to {@code target/bench/quant/report.md}.
 * <pre>bench/run QuantReport --model edsr_baseline8_x2.onnx [--scale 2] [--w 4 --a 4 --mode fq] [--rows all]
 *     [--data Set5,Set14] [--lambda 50] [--threads 2] [--tag name]</pre>
 */
public final class QuantReport {
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        Path shared = Path.of(System.getProperty("adabm.shared", "../shared"));
        String modelFile = a.get("model");
        OptionalInt scaleOpt = a.containsKey("scale") ? OptionalInt.of(Integer.parseInt(a.get("scale"))) : OptionalInt.empty();
        Graph g = ModelLoader.load(shared.resolve("models").resolve(modelFile), scaleOpt);
        int scale = g.scale();
        Path calib = shared.resolve("datasets/Kodak24/LR_bicubic/X" + scale);
        QuantSpec spec = new QuantSpec(Integer.parseInt(a.getOrDefault("w", "4")), Integer.parseInt(a.getOrDefault("a", "4")),
                QuantMode.valueOf(a.getOrDefault("mode", "fq").toUpperCase(Locale.ROOT)));
        Set<Variant> rows = Variant.parse(a.getOrDefault("rows", "all"));
        double lambda = Double.parseDouble(a.getOrDefault("lambda", "50"));
        int threads = Integer.parseInt(a.getOrDefault("threads", "2"));
        String tag = a.getOrDefault("tag", "");
        Path out = Path.of("target/bench/quant");
        Files.createDirectories(out);
        String stem = modelFile.replaceAll("\\.[a-z]+$", "") + "_x" + scale + "_" + spec.toString().replace(' ', '_')
                + (lambda != 50 ? "_lambda" + (int) lambda : "") + tag;
        List<String> sets = List.of(a.getOrDefault("data", "Set5,Set14").split(","));
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "%n### %s x%d %s, lambda_bit %.0f, calibrated on Kodak24 (100 patches, seed 0), %s%n%n",
                modelFile, scale, spec, lambda, new Date()));
        md.append("| row |");
        for (String s : sets) md.append(' ').append(s).append(" PSNR / SSIM / FAB |");
        md.append(" process s (calib + FT) |\n|---|");
        for (String s : sets) md.append("---|");
        md.append("---|\n");
        QuantPipeline.Settings base = QuantPipeline.Settings.defaults(g, spec, CalibrationMethod.ADABM);
        base = base.withFineTuning(base.fineTuning().withLambdaBit(lambda));
        try (ConvKernels k = Backends.get("onednn").convKernels(threads)) {
            List<Tensor> patches = CalibrationPatches.sample(calib, base.patches(), base.patchSize(), base.seed());
            boolean percentiles = rows.contains(Variant.PERCENTILE) || rows.contains(Variant.PERCENTILE_FT);
            CalibrationStats stats;
            try (FakeQuantRunner r = new FakeQuantRunner(QuantModel.create(g, spec), k)) {
                stats = CalibrationStats.collect(r, patches, base.calibration(), percentiles);
            }
            System.out.printf(Locale.ROOT, "%s: calibration pass %.1f s%n", stem, stats.seconds());
            for (Variant v : rows) {
                QuantModel model;
                double process = 0;
                if (v.method == null) {
                    model = QuantModel.create(g, spec);
                } else {
                    QuantPipeline.Settings s = new QuantPipeline.Settings(spec, v.method, v.fineTuned, base.patches(), base.patchSize(),
                            base.seed(), base.calibration(), base.fineTuning());
                    QuantPipeline.Result res = QuantPipeline.run(g, patches, stats, s, k, QuantPipeline.Listener.NONE);
                    model = res.model();
                    process = res.calibrationSeconds() + res.fineTuneSeconds();   // calibrationSeconds is the shared pass
                    QuantArtifact.write(out.resolve(stem + "_" + v.key + ".json"), model, new QuantArtifact.Description(
                            QuantArtifact.Source.of(g, modelFile), s, QuantArtifact.Provenance.of(res, CalibrationSource.of(calib), Double.NaN)));
                    System.out.printf(Locale.ROOT, "%s %s: calibration %.1f s + fine-tuning %.1f s%n", stem, v.key,
                            res.calibrationSeconds(), res.fineTuneSeconds());
                }
                md.append("| ").append(v.label).append(" |");
                try (FakeQuantRunner r = new FakeQuantRunner(model, k)) {
                    for (String set : sets) {
                        QuantEvaluation.Result e = QuantEvaluation.evaluate(r, Dataset.open(shared.resolve("datasets").resolve(set)), scale,
                                v.method != null, Progress.NONE);
                        md.append(String.format(Locale.ROOT, " %.3f / %.4f / %.2f |", e.eval().mean().psnr(), e.eval().mean().ssim(), e.fab()));
                        System.out.printf(Locale.ROOT, "%s %s %s: PSNR %.4f SSIM %.5f FAB %.3f image offsets %s%n", stem, v.key, set,
                                e.eval().mean().psnr(), e.eval().mean().ssim(), e.fab(), e.imageOffsets());
                    }
                }
                md.append(String.format(Locale.ROOT, " %.0f |%n", process));
            }
        }
        System.out.print(md);
        Path report = out.resolve("report.md");
        String old = Files.exists(report) ? Files.readString(report) : "";
        AtomicFiles.writeString(report, old + md);
    }
}
