package adabm.cli;

import adabm.backend.ConvKernels;
import adabm.graph.Graph;
import adabm.io.ModelLoader;
import adabm.quant.*;
import adabm.quant.artifact.CalibrationSource;
import adabm.quant.artifact.QuantArtifact;
import adabm.quant.pipeline.QuantPipeline;
import adabm.quant.train.FineTuner;
import adabm.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Quantizes a float model with AdaBM (or a MinMax/Percentile baseline) on unlabeled LR images and",
                "writes a quantized-model artifact for `adabm eval --quant`: calibration patches, calibration, bit-aware",
                "clipping and teacher-guided fine-tuning (ADABM.md §3-§6)."})
final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "float model: .onnx, or a PyTorch checkpoint .pt/.pth")
    Path model;

    @Option(names = "--scale", description = "upscaling factor (multi-scale checkpoints such as CARN-M; picks LR_bicubic/X{s} of a data set)")
    Integer scale;

    @Option(names = "--calib", required = true,
            description = "calibration images: a folder of LR images, or a data set folder holding LR_bicubic/X{scale}")
    Path calib;

    @Option(names = "--w-bits", defaultValue = "4", description = "weight bits of the quantized body, 2..8 (default: ${DEFAULT-VALUE})")
    int wBits;

    @Option(names = "--a-bits", defaultValue = "4", description = "base activation bits, 2..8 (default: ${DEFAULT-VALUE})")
    int aBits;

    @Option(names = "--mode", defaultValue = "fq", description = "fq (head and tail W8A8) | body (head and tail float) (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--method", defaultValue = "adabm", description = "adabm | minmax | percentile (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--no-ft", description = "skip fine-tuning (AdaBM still applies its bit-aware clipping, on one batch of patches)")
    boolean noFineTune;

    @Option(names = "--lambda-bit", description = "weight of the bit loss (default: 50)")
    Double lambdaBit;

    @Option(names = "--patches", description = "number of calibration patches (default: 100)")
    Integer patches;

    @Option(names = "--patch-size", description = "calibration patch size in LR pixels (default: 96, 72 for RDN-like models)")
    Integer patchSize;

    @Option(names = "--seed", defaultValue = "0", description = "seed of patch sampling and fine-tuning (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--epochs", description = "fine-tuning epochs (default: 10)")
    Integer epochs;

    @Option(names = "--steps", description = "fine-tuning steps per epoch (default: 50)")
    Integer steps;

    @Option(names = "--p-image", description = "image-map percentile p_I, 0..50 (default: 10)")
    Double pImage;

    @Option(names = "--p-layer", description = "layer-map percentile p_L, 0..50 (default: 30)")
    Double pLayer;

    @Option(names = "--backend", description = "java | onednn for the conv kernels (default: onednn when available, else java)")
    String backend;

    @Option(names = "--threads", defaultValue = "0", description = "threads; 0 = all cores (default)")
    int threads;

    @Option(names = "--out", required = true, description = "artifact file to write")
    Path out;

    @Override public Integer call() throws Exception {
        QuantSpec spec = new QuantSpec(wBits, aBits, QuantMode.parse(mode));   // bits outside 2..8 fail here, before any work
        CalibrationMethod m = parseMethod(method);
        OutputPaths.check("--out", out);
        Graph g = ModelLoader.load(model, scale == null ? OptionalInt.empty() : OptionalInt.of(scale));
        int s = scale != null ? scale : g.scale();
        Path folder = CalibrationFolders.resolve(calib, s);
        QuantPipeline.Settings settings = settings(g, spec, m);
        CalibrationSource source = CalibrationSource.of(folder);

        QuantizeProgress progress = new QuantizeProgress(System.err, settings.fineTune() ? settings.fineTuning().epochs() : 0,
                settings.fineTuning().steps());
        QuantPipeline.Result r;
        List<Tensor> patchList;
        try (ConvKernels kernels = ConvKernelsChoice.open(backend, threads, System.err)) {
            System.err.printf("quantizing %s (x%d) %s with %s on %s kernels; calibration images %s%n", model.getFileName(), s, spec,
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
        QuantArtifact.write(out, r.model(), new QuantArtifact.Description(QuantArtifact.Source.of(g, model.getFileName().toString()),
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
        QuantPipeline.Settings s = QuantPipeline.Settings.defaults(g, spec, m).withFineTune(!noFineTune).withSeed(seed);
        s = s.withPatches(patches != null ? patches : s.patches(), patchSize != null ? patchSize : s.patchSize());
        Calibrator.Options c = s.calibration();
        s = s.withCalibration(new Calibrator.Options(c.batchSize(), pImage != null ? pImage : c.pImage(), pLayer != null ? pLayer : c.pLayer()));
        FineTuner.Options f = s.fineTuning();
        f = f.withSize(epochs != null ? epochs : f.epochs(), steps != null ? steps : f.steps(), f.batch());
        if (lambdaBit != null) f = f.withLambdaBit(lambdaBit);
        return s.withFineTuning(f);
    }

    private void printSummary(QuantPipeline.Result r, CalibrationSource source, double fab) {
        QuantModel q = r.model();
        QuantPipeline.Settings s = r.settings();
        System.out.printf("quantized %s: %s, method %s, fine-tuning %s%n", model.getFileName(), q.spec(),
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
