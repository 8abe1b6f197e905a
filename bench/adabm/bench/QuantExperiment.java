package adabm.bench;

import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import adabm.eval.Dataset;
import adabm.eval.Progress;
import adabm.graph.Graph;
import adabm.io.ModelLoader;
import adabm.quant.*;
import adabm.quant.pipeline.QuantPipeline;
import adabm.quant.train.FineTuner;
import java.nio.file.Path;
import java.util.*;

/**
 * One quantization run with per-epoch loss/FAB and a final evaluation, for studying the fine-tuning:
 * {@code bench/run QuantExperiment --model M [--scale S] --calib DIR --data Set5[,Set14] [--method adabm] [--w 4 --a 4]
 * [--mode fq] [--epochs 10 --steps 50] [--patches 100 --size 96] [--lambda 50] [--lr-w 0.01 --lr-a 0.01 --lr-m 0.01 --lr-tau 0.1]
 * [--backend onednn] [--threads 2] [--seed 0] [--layers 1] [--linear-uw 1] [--clipping 0] [--kinds "PATTERN=KIND;..."]}.
 * {@code --kinds} overrides layer kinds by name pattern ({@link NamePattern}), e.g. {@code regex:.*body\.4=FIXED8}.
 * {@code --linear-uw 1} steps weight bounds on uw itself, as ADABM.md §6 has it (default: log space).
 * Data set names are folders under ../shared/datasets.
 */
public final class QuantExperiment {
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        Path shared = Path.of(System.getProperty("adabm.shared", "../shared"));
        Path modelPath = shared.resolve("models").resolve(a.get("model"));
        OptionalInt scaleOpt = a.containsKey("scale") ? OptionalInt.of(Integer.parseInt(a.get("scale"))) : OptionalInt.empty();
        Graph g = ModelLoader.load(modelPath, scaleOpt);
        int scale = g.scale();
        Path calib = shared.resolve("datasets").resolve(a.getOrDefault("calib", "Kodak24")).resolve("LR_bicubic/X" + scale);
        // --kinds "PATTERN=KIND;..." (NamePattern keys, LayerKind values): per-layer kind overrides, e.g. for ablations
        Map<String, LayerKind> kinds = new LinkedHashMap<>();
        for (String entry : a.getOrDefault("kinds", "").split(";"))
            if (!entry.isBlank()) kinds.put(entry.substring(0, entry.lastIndexOf('=')),
                    LayerKind.valueOf(entry.substring(entry.lastIndexOf('=') + 1).toUpperCase(Locale.ROOT)));
        QuantSpec spec = new QuantSpec(Integer.parseInt(a.getOrDefault("w", "4")), Integer.parseInt(a.getOrDefault("a", "4")),
                QuantMode.valueOf(a.getOrDefault("mode", "fq").toUpperCase(Locale.ROOT)), Map.of(), kinds);
        CalibrationMethod method = CalibrationMethod.valueOf(a.getOrDefault("method", "adabm").toUpperCase(Locale.ROOT));
        int threads = Integer.parseInt(a.getOrDefault("threads", "2"));
        QuantPipeline.Settings s = QuantPipeline.Settings.defaults(g, spec, method)
                .withPatches(Integer.parseInt(a.getOrDefault("patches", "100")), Integer.parseInt(a.getOrDefault("size", "96")))
                .withSeed(Long.parseLong(a.getOrDefault("seed", "0")));
        FineTuner.Options sized = s.fineTuning().withSize(Integer.parseInt(a.getOrDefault("epochs", "10")),
                Integer.parseInt(a.getOrDefault("steps", "50")), 2).withLambdaBit(Double.parseDouble(a.getOrDefault("lambda", "50")));
        FineTuner.Options rated = sized.withLogWeightBounds(!a.getOrDefault("linear-uw", "0").equals("1")).withRates(Double.parseDouble(a.getOrDefault("lr-w", String.valueOf(sized.lrWeight()))),
                Double.parseDouble(a.getOrDefault("lr-a", String.valueOf(sized.lrActivation()))),
                Double.parseDouble(a.getOrDefault("lr-m", String.valueOf(sized.lrLogit()))),
                Double.parseDouble(a.getOrDefault("lr-tau", String.valueOf(sized.lrTau()))));
        FineTuner.Options ft = rated.withClipping(!a.getOrDefault("clipping", "1").equals("0"));   // --clipping 0: no bit-aware clipping (ablation)
        s = s.withFineTuning(ft).withFineTune(ft.epochs() > 0);
        System.out.printf("%s x%d %s %s, %d patches of %d, %d epochs x %d steps, lambda %.0f%n", g.name(), scale, spec, method,
                s.patches(), s.patchSize(), ft.epochs(), ft.steps(), ft.lambdaBit());
        double[] acc = new double[4];
        int[] count = {0};
        try (ConvKernels k = Backends.get(a.getOrDefault("backend", "onednn")).convKernels(threads)) {
            QuantPipeline.Result r = QuantPipeline.run(g, calib, s, k, new QuantPipeline.Listener() {
                @Override public void step(FineTuner.StepReport st) {
                    acc[0] += st.loss(); acc[1] += st.l1(); acc[2] += st.distill(); acc[3] += st.batchFab(); count[0]++;
                    if (st.step() == ft.steps()) {
                        System.out.printf(Locale.ROOT, "epoch %2d %-7s loss %.4f l1 %.4f distill %.4f fab %.3f  (%.2f s/step)%n", st.epoch(),
                                st.stage(), acc[0] / count[0], acc[1] / count[0], acc[2] / count[0], acc[3] / count[0], st.seconds());
                        Arrays.fill(acc, 0);
                        count[0] = 0;
                    }
                }
            });
            System.out.printf(Locale.ROOT, "seconds: patches %.1f, calibration %.1f, fine-tuning %.1f, total %.1f%n", r.patchSeconds(),
                    r.calibrationSeconds(), r.fineTuneSeconds(), r.totalSeconds());
            int up = 0, down = 0;
            for (LayerQuant q : r.model().layers()) { if (q.layerOffset() > 0) up++; if (q.layerOffset() < 0) down++; }
            System.out.printf(Locale.ROOT, "layer offsets: %d x +1, %d x -1; tau %.3f .. %.3f%n", up, down,
                    r.model().imageMap().tauLow(), r.model().imageMap().tauHigh());
            if (a.containsKey("layers"))   // --layers 1: every quantized layer's final parameters
                for (LayerQuant q : r.model().layers())
                    if (q.kind().quantized()) {
                        float[] w = q.conv().weight();
                        float max = 0;
                        for (float v : w) max = Math.max(max, Math.abs(v));
                        System.out.printf(Locale.ROOT, "  %-22s %-9s l %9.4f u %9.4f uw %8.5f (max|W| %8.5f) offset %+d%n", q.name(), q.kind(),
                                q.lower(), q.upper(), q.weightBound(), max, q.layerOffset());
                    }
            try (FakeQuantRunner runner = new FakeQuantRunner(r.model(), k)) {
                for (String set : a.getOrDefault("data", "Set5").split(",")) {
                    QuantEvaluation.Result e = QuantEvaluation.evaluate(runner, Dataset.open(shared.resolve("datasets").resolve(set)), scale,
                            true, Progress.NONE);
                    System.out.printf(Locale.ROOT, "%s: PSNR %.4f SSIM %.5f FAB %.3f offsets %s%n", set, e.eval().mean().psnr(), e.eval().mean().ssim(),
                            e.fab(), e.imageOffsets());
                }
            }
        }
    }
}
