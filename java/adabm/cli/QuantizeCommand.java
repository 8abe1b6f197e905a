package adabm.cli;

import adabm.backend.ConvKernels;
import adabm.graph.Graph;
import adabm.quant.*;
import adabm.quant.artifact.CalibrationSource;
import adabm.quant.artifact.QuantArtifact;
import adabm.quant.pipeline.QuantPipeline;
import adabm.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Quantizes a float model with AdaBM (or a MinMax/Percentile baseline) on unlabeled LR images and",
                "writes a quantized-model artifact for `adabm eval --quant`: calibration patches, calibration, bit-aware",
                "clipping and teacher-guided fine-tuning (ADABM.md §3-§6)."})
final class QuantizeCommand implements Callable<Integer> {
    @Mixin ModelFileOptions model;

    @Option(names = "--method", defaultValue = "adabm", description = "adabm | minmax | percentile (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--no-ft", description = "skip fine-tuning (AdaBM still applies its bit-aware clipping, on one batch of patches)")
    boolean noFineTune;

    @Option(names = "--p-image", description = "image-map percentile p_I, 0..50 (default: 10)")
    Double pImage;

    @Option(names = "--p-layer", description = "layer-map percentile p_L, 0..50 (default: 30)")
    Double pLayer;

    @Option(names = "--out", required = true, description = "artifact file to write")
    Path out;

    @Mixin QuantizeOptions quant;

    @Mixin KernelOptions kernel;

    @Override public Integer call() throws Exception {
        QuantSpec spec = quant.spec();
        CalibrationMethod m = parseMethod(method);
        OutputPaths.check("--out", out);
        Graph g = model.load();
        int s = model.scale(g);
        Path folder = CalibrationFolders.resolve(quant.calib, s);
        QuantPipeline.Settings settings = settings(g, spec, m);
        CalibrationSource source = CalibrationSource.of(folder);

        QuantizeProgress progress = new QuantizeProgress(System.err, settings.fineTune() ? settings.fineTuning().epochs() : 0,
                settings.fineTuning().steps());
        QuantPipeline.Result r;
        List<Tensor> patchList;
        try (ConvKernels kernels = kernel.open()) {
            System.err.printf("quantizing %s (x%d) %s with %s on %s kernels; calibration images %s%n", model.model.getFileName(), s, spec,
                    m.name().toLowerCase(Locale.ROOT), kernels.name(), folder);
            progress.stage("patches");
            long t0 = System.nanoTime();
            patchList = CalibrationPatches.sample(folder, settings.patches(), settings.patchSize(), settings.seed());
            double patchSeconds = (System.nanoTime() - t0) / 1e9;
            QuantPipeline.Result run = QuantPipeline.run(g, patchList, settings, kernels, progress);
            r = new QuantPipeline.Result(run.model(), settings, run.calibration(), run.steps(), patchSeconds,
                    run.calibrationSeconds(), run.fineTuneSeconds());
        }
        progress.endLine();
        double fab = Fab.meanOver(r.model(), patchList);
        QuantArtifact.Provenance prov = QuantArtifact.Provenance.of(r, source, fab);
        QuantArtifact.write(out, r.model(), new QuantArtifact.Description(QuantArtifact.Source.of(g, model.model.getFileName().toString()),
                settings, prov));
        printSummary(r, source, fab);
        return 0;
    }

    static CalibrationMethod parseMethod(String text) {
        for (CalibrationMethod c : CalibrationMethod.values())
            if (c.name().equalsIgnoreCase(text)) return c;
        throw new IllegalArgumentException("--method must be adabm, minmax or percentile, got '" + text + "'");
    }

    private QuantPipeline.Settings settings(Graph g, QuantSpec spec, CalibrationMethod m) {
        QuantPipeline.Settings s = QuantPipeline.Settings.defaults(g, spec, m).withFineTune(!noFineTune).withSeed(quant.seed);
        s = s.withPatches(quant.patches(s.patches()), quant.patchSize(s.patchSize()));
        Calibrator.Options c = s.calibration();
        s = s.withCalibration(new Calibrator.Options(c.batchSize(), pImage != null ? pImage : c.pImage(), pLayer != null ? pLayer : c.pLayer()));
        return s.withFineTuning(quant.fineTuning(s.fineTuning()));
    }

    private void printSummary(QuantPipeline.Result r, CalibrationSource source, double fab) {
        QuantModel q = r.model();
        QuantPipeline.Settings s = r.settings();
        System.out.printf("quantized %s: %s, method %s, fine-tuning %s%n", model.model.getFileName(), q.spec(),
                s.method().name().toLowerCase(Locale.ROOT), s.fineTune()
                        ? s.fineTuning().epochs() + " epochs x " + s.fineTuning().steps() + " steps x batch " + s.fineTuning().batch()
                        + ", lambda_bit " + s.fineTuning().lambdaBit()
                        : "off");
        String clip = s.method() == CalibrationMethod.ADABM ? " (with bit-aware clipping)" : "";
        System.out.printf(Locale.ROOT, "seconds: patches %.2f, calibration %.2f, fine-tuning%s %.2f, total %.2f%n",
                r.patchSeconds(), r.calibrationSeconds(), clip, r.fineTuneSeconds(), r.totalSeconds());
        System.out.printf(Locale.ROOT, "calibration: %d patches of %dx%d from %s (%d files); FAB on them %.3f%n",
                s.patches(), s.patchSize(), s.patchSize(), source.folder(), source.files(), fab);
        int[] offsets = new int[3];
        List<LayerQuant> adaptive = q.layersOfKind(LayerKind.ADAPTIVE);
        for (LayerQuant l : adaptive) offsets[l.layerOffset() + 1]++;
        System.out.printf("layer offsets of %d adaptive convs: +1: %d, 0: %d, -1: %d%n", adaptive.size(), offsets[2], offsets[1], offsets[0]);
        if (q.imageMap().enabled())
            System.out.printf(Locale.ROOT, "image map: tauLow %.4f, tauHigh %.4f (complexity below -> -1 bit, above -> +1 bit)%n",
                    q.imageMap().tauLow(), q.imageMap().tauHigh());
        else
            System.out.println("image map: off (every image at the base bits)");
        System.out.println("wrote " + out);
    }
}
