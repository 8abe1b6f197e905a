package adabm.cli;

import adabm.backend.BackendUnavailableException;
import adabm.backend.ConvKernels;
import adabm.backend.Plan;
import adabm.backend.TiledRunner;
import adabm.backend.cuda.CudaInt8Plan;
import adabm.backend.onednn.Int8Plan;
import adabm.backend.onednn.NativeCpu;
import adabm.eval.Dataset;
import adabm.eval.EvalResult;
import adabm.eval.Evaluator;
import adabm.graph.Graph;
import adabm.io.AtomicFiles;
import adabm.quant.FakeQuantRunner;
import adabm.quant.QuantEvaluation;
import adabm.quant.artifact.QuantArtifact;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluates a model on a data set (HR/ and LR_bicubic/X{s}/<name>x{s}.png): PSNR and SSIM on Y",
                "(EDSR/AdaBM protocol: rounded SR, shave = scale) and seconds per image; prints a table, optionally JSON.",
                "With --quant, evaluates the model fake-quantized by an artifact of `adabm quantize` and adds FAB",
                "(fractional average bit-width, ADABM.md §7), whole-image or in 96x96 patches (--patch 96).",
                "--quant with --backend onednn-int8 (acl-int8 on aarch64) runs the artifact as a native integer plan (u8",
                "activations, s8 weights),",
                "with --backend cuda-int8 the same plan on an NVIDIA GPU (bit-identical output)."})
final class EvalCommand implements Callable<Integer> {
    static final String CUDA_INT8_BACKEND = "cuda-int8";

    @Mixin ModelOptions model;

    @Spec CommandSpec spec;

    @Option(names = "--data", required = true, description = "data set folder, e.g. ../shared/datasets/Set5")
    Path data;

    @Option(names = "--json", description = "also write the results as JSON to this file")
    Path json;

    @Option(names = "--quant", description = "quantized-model artifact (from adabm quantize) made from --model")
    Path quant;

    @Option(names = "--patch", defaultValue = "0",
            description = "with --quant: patch mode, LR tiles of this size each with its own image offset (the paper uses 96); 0 = whole images")
    int patch;

    @Override public Integer call() throws Exception {
        if (patch != 0 && quant == null) throw new IllegalArgumentException("--patch needs --quant (patch mode evaluates a quantized model)");
        if (patch < 0) throw new IllegalArgumentException("--patch must be positive, got " + patch);
        boolean explicitBackend = spec.commandLine().getParseResult().hasMatchedOption("--backend");
        boolean cudaInt8 = CUDA_INT8_BACKEND.equals(model.backend);
        // with --quant: the artifact compiled into the native integer plan instead of fake-quantized float kernels
        boolean int8 = NativeCpu.isInt8Name(model.backend) || cudaInt8;
        if (int8 && quant == null)
            throw new IllegalArgumentException("--backend " + model.backend + " needs --quant (it runs a quantized artifact in integers)");
        String int8Failure = !int8 ? null : cudaInt8 ? CudaInt8Plan.unavailableReason() : NativeCpu.int8UnavailableReason(model.backend);
        if (int8Failure != null) throw new BackendUnavailableException(model.backend + " is unavailable: " + int8Failure);
        if (!int8 && (quant == null || explicitBackend)) model.backend();   // an unknown or unavailable backend fails before any work
        Graph g = model.loadGraph();
        // the artifact is checked against the model before any evaluation work
        QuantArtifact.Loaded artifact = quant == null ? null : QuantArtifact.read(quant, g, model.model.toString());
        int scale = model.scale != null ? model.scale : g.scale();
        Dataset set = Dataset.open(data);
        Progress progress = new Progress(System.err, "eval " + set.name(), set.pairs(scale).size());
        adabm.eval.Progress update = (done, total, name) -> progress.step(done, name);
        EvalResult r;
        List<EvalResult.QuantStats> fab = null;
        double meanFab = Double.NaN;
        if (quant != null) {
            QuantArtifact.Loaded a = artifact;
            System.err.printf("artifact %s: %s, method %s%n", quant.getFileName(), a.model().spec(),
                    a.description().settings().method().name().toLowerCase(Locale.ROOT));
            QuantEvaluation.Result q;
            if (cudaInt8) {
                try (CudaInt8Plan plan = new CudaInt8Plan(a.model())) {
                    q = QuantEvaluation.evaluate(g.name() + " " + a.model().spec(), CUDA_INT8_BACKEND, set, scale, patch,
                            CudaInt8Plan.PATCH_BATCH, update, plan::run);
                }
            } else if (int8) {
                int threads = model.threads > 0 ? model.threads : Runtime.getRuntime().availableProcessors();
                try (Int8Plan plan = new Int8Plan(a.model(), threads)) {
                    q = QuantEvaluation.evaluate(g.name() + " " + a.model().spec(), model.backend, set, scale, patch, update, plan::run);
                }
            } else {
                try (ConvKernels kernels = ConvKernelsChoice.open(explicitBackend ? model.backend : null, model.threads, System.err);
                     FakeQuantRunner runner = new FakeQuantRunner(a.model(), kernels)) {
                    q = QuantEvaluation.evaluate(runner, set, scale, true, patch, update);
                }
            }
            EvalResult e = q.eval();
            r = new EvalResult(model.model.getFileName() + " + " + quant.getFileName() + (patch > 0 ? " (patch " + patch + ")" : ""),
                    e.dataset(), e.scale(), e.backend(), e.mean(), e.images());
            fab = q.stats();
            meanFab = q.fab();
        } else {
            try (Plan plan = model.compile(g)) {
                TiledRunner runner = new TiledRunner(plan, g, model.tile);
                r = Evaluator.evaluate(model.model.getFileName().toString(), model.backend().name(), set, scale, runner::run, update);
            }
        }
        print(r, fab, meanFab);
        if (json != null) {
            if (json.toAbsolutePath().getParent() != null) Files.createDirectories(json.toAbsolutePath().getParent());
            AtomicFiles.writeString(json, fab == null ? r.toJson() : r.toJson(meanFab, fab));
            System.out.println("JSON: " + json);
        }
        return 0;
    }

    /** One line per image; a quantized model's also give FAB, the LR complexity and the image (or mean tile) offset. */
    private static void print(EvalResult r, List<EvalResult.QuantStats> fab, double meanFab) {
        String fabHead = fab == null ? "" : String.format("%7s %10s %7s", "FAB", "complexity", "offset");
        System.out.printf("%-16s %9s %8s %9s%s%n", "image", "PSNR(dB)", "SSIM", "seconds", fabHead);
        for (int i = 0; i < r.images().size(); i++) {
            EvalResult.ImageResult im = r.images().get(i);
            System.out.printf(Locale.ROOT, "%-16s %9.4f %8.5f %9.3f%s%n", im.name(), im.psnr(), im.ssim(), im.seconds(),
                    fab == null ? "" : String.format(Locale.ROOT, "%7.3f %10.2f %7s", fab.get(i).fab(), fab.get(i).complexity(),
                            offset(fab.get(i).offsets())));
        }
        System.out.printf(Locale.ROOT, "%-16s %9.4f %8.5f %9.3f%s%n", "MEAN", r.mean().psnr(), r.mean().ssim(), r.mean().seconds(),
                fab == null ? "" : String.format(Locale.ROOT, "%7.3f", meanFab));
        System.out.printf("(%s, %s x%d, backend %s)%n", r.model(), r.dataset(), r.scale(), r.backend());
    }

    /** "+1", "0", "-1"; in patch mode the mean over tiles, e.g. "+0.25". */
    private static String offset(List<Integer> offsets) {
        if (offsets.size() == 1) return offsets.get(0) > 0 ? "+" + offsets.get(0) : String.valueOf(offsets.get(0));
        double m = offsets.stream().mapToInt(Integer::intValue).average().orElse(0);
        return String.format(Locale.ROOT, "%+.2f", m);
    }
}
