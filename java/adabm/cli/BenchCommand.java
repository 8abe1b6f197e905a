package adabm.cli;

import adabm.eval.Dataset;
import adabm.graph.Graph;
import adabm.io.AtomicFiles;
import adabm.perf.BackendBench;
import adabm.perf.BenchRow;
import adabm.perf.BenchRows;
import adabm.quant.QuantModel;
import adabm.quant.artifact.QuantArtifact;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Runs the same model on the same whole LR images of a data set on several backends and precisions and",
                "prints one table: ms per image (median of --repeats timed runs after --warmup, averaged over images), images/s,",
                "GMAC/s, PSNR/SSIM on Y (as adabm eval) and FAB (32 for float). Rows take turns within each repeat.",
                "Rows (--rows): onednn-fp32 (float32 plan), java-fq (Java reference, fake-quant), onednn-fq (fake-quant on",
                "oneDNN float kernels), onednn-int8 (the native integer plan of the artifact); java-fq@K / onednn-fq@K run",
                "every image at image offset K (what a static QDQ export of offset K approximates); on aarch64 the native",
                "rows are acl-fp32 / acl-int8 (ARM Compute Library; no acl-fq: the float32 training kernels are oneDNN-only);",
                "cuda-fp32 / cuda-int8: the GPU plans (cuda backend), added to the default",
                "rows where a CUDA GPU is usable (else one line says why they are skipped), each with its last run's split into",
                "copies and compute. ONNX Runtime rows run from bench/ (bench/run BackendComparison)."})
final class BenchCommand implements Callable<Integer> {
    @Mixin ModelFileOptions model;

    @Option(names = "--quant", description = "quantized-model artifact (from adabm quantize) made from --model")
    Path quant;

    @Option(names = "--data", required = true, description = "data set folder, e.g. ../shared/datasets/Set5")
    Path data;

    @Option(names = "--threads", defaultValue = "1", description = "threads per backend (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--rows", split = ",", description = "rows to run, comma-separated (default: onednn-fp32 (acl-fp32 on aarch64), plus java-fq and onednn-int8 (acl-int8) with --quant; "
            + "cuda-fp32 and with --quant cuda-int8 where a GPU is usable)")
    List<String> rows;

    @Option(names = "--repeats", defaultValue = "5", description = "timed runs per image and row (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--warmup", defaultValue = "1", description = "untimed runs per image and row first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--json", description = "also write the table as JSON to this file")
    Path json;

    @Override public Integer call() throws Exception {
        if (threads < 1) throw new IllegalArgumentException("--threads must be positive, got " + threads);
        BackendBench.Settings settings = new BackendBench.Settings(warmup, repeats, threads);
        OutputPaths.check("--json", json);
        Graph g = model.load();
        int scale = model.scale(g);
        QuantModel qm = quant == null ? null : QuantArtifact.read(quant, g, model.model.toString()).model();
        List<String> names = new ArrayList<>(rows != null ? rows : qm == null ? BenchRows.DEFAULT_FLOAT : BenchRows.DEFAULT_QUANT);
        String noGpu = rows == null ? BenchRows.gpuUnavailableReason() : null;
        if (rows == null && noGpu == null) names.addAll(qm == null ? BenchRows.DEFAULT_GPU_FLOAT : BenchRows.DEFAULT_GPU_QUANT);
        Dataset set = Dataset.open(data);
        List<BenchRow> open = BenchRows.open(names, new BenchRows.Context(g, qm, threads));
        List<BackendBench.Result> results;
        List<String> notes = new ArrayList<>();
        try {
            results = BackendBench.run(open, g, set, scale, settings, System.err);
            for (BenchRow r : open) if (r.note() != null) notes.add(r.note());
        } finally {
            for (BenchRow r : open) r.close();
        }
        System.out.print(BackendBench.table(results));
        notes.forEach(System.out::println);
        if (noGpu != null) System.out.println("GPU rows skipped: " + noGpu);
        System.out.printf("(%s%s, %s x%d, %d thread(s), %d repeats)%n", model.model.getFileName(),
                quant == null ? "" : " + " + quant.getFileName(), set.name(), scale, threads, repeats);
        if (json != null) {
            AtomicFiles.writeString(json, BackendBench.json(results, model.model.getFileName().toString(), set.name(), scale, settings));
            System.out.println("JSON: " + json);
        }
        return 0;
    }
}
