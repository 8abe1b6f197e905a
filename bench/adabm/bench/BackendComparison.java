package adabm.bench;

import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import adabm.eval.Dataset;
import adabm.graph.Graph;
import adabm.io.AtomicFiles;
import adabm.io.ModelLoader;
import adabm.io.onnx.OnnxWriter;
import adabm.perf.BackendBench;
import adabm.perf.BenchRow;
import adabm.perf.BenchRows;
import adabm.quant.CalibrationPatches;
import adabm.quant.QuantModel;
import adabm.quant.artifact.QuantArtifact;
import adabm.quant.export.OutputRanges;
import adabm.quant.export.QdqExport;
import adabm.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * `adabm bench` plus ONNX Runtime: the same table and JSON with rows "ort-fp32" (ONNX Runtime float32 on the model
 * file if it is ONNX, else on our ONNX export of the graph) and "ort-int8" (ONNX Runtime on the static QDQ export at
 * --offset, output ranges from 16 patches of the artifact's calibration folder; its FAB is that offset's).
 *
 *   bench/run BackendComparison --model FILE [--quant FILE] --data DIR [--scale N] [--threads N] [--json OUT]
 *       [--rows java-fq,onednn-fp32,ort-fp32,ort-int8] [--offset 0] [--repeats 5] [--warmup 1]
 */
public final class BackendComparison {
    public static void main(String[] args) throws Exception {
        Path model = null, quant = null, data = null, json = null;
        Integer scale = null;
        int threads = 1, offset = 0, repeats = 5, warmup = 1;
        List<String> rows = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[++i]);
                case "--quant" -> quant = Path.of(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                case "--scale" -> scale = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--offset" -> offset = Integer.parseInt(args[++i]);
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--rows" -> rows = Arrays.asList(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (model == null || data == null) throw new IllegalArgumentException("need --model FILE and --data DIR");
        Graph g = ModelLoader.load(model, scale == null ? OptionalInt.empty() : OptionalInt.of(scale));
        int s = scale != null ? scale : g.scale();
        QuantArtifact.Loaded art = quant == null ? null : QuantArtifact.read(quant, g, model.toString());
        QuantModel qm = art == null ? null : art.model();
        if (rows == null) {   // this machine's native rows (onednn-* on x86-64, acl-* on aarch64), then ONNX Runtime's
            rows = new ArrayList<>(qm == null ? BenchRows.DEFAULT_FLOAT : BenchRows.DEFAULT_QUANT);
            rows.addAll(qm == null ? List.of("ort-fp32") : List.of("ort-fp32", "ort-int8"));
        }
        BackendBench.Settings settings = new BackendBench.Settings(warmup, repeats, threads);
        List<BenchRow> open = new ArrayList<>();
        try {
            for (String r : rows) {
                switch (r) {
                    case "ort-fp32" -> {
                        byte[] bytes = model.toString().endsWith(".onnx") ? Files.readAllBytes(model) : OnnxWriter.write(g).toByteArray();
                        open.add(new OrtRow(bytes, "float32", 32.0, threads));
                    }
                    case "ort-int8" -> {
                        if (qm == null) throw new IllegalArgumentException("ort-int8 needs --quant");
                        byte[] q = qdq(qm, art, offset);
                        open.add(new OrtRow(q, "int8", qm.fabFor(offset), threads));
                        System.err.printf("ort-int8: QDQ export at image offset %d, FAB %.3f; %d of %d convs run as int8 QLinearConv%n",
                                offset, qm.fabFor(offset), OrtRow.fusedConvs(q), g.convs().size());
                    }
                    default -> open.addAll(BenchRows.open(List.of(r), new BenchRows.Context(g, qm, threads)));
                }
            }
            List<BackendBench.Result> results = BackendBench.run(open, g, Dataset.open(data), s, settings, System.err);
            System.out.print(BackendBench.table(results));
            System.out.printf("(%s%s, %s x%d, %d thread(s), %d repeats)%n", model.getFileName(), quant == null ? "" : " + " + quant.getFileName(),
                    data.getFileName(), s, threads, repeats);
            if (json != null) {
                if (json.toAbsolutePath().getParent() != null) Files.createDirectories(json.toAbsolutePath().getParent());
                AtomicFiles.writeString(json, BackendBench.json(results, model.getFileName().toString(), data.getFileName().toString(), s, settings));
                System.out.println("JSON: " + json);
            }
        } finally {
            for (BenchRow r : open) r.close();
        }
    }

    /** The QDQ model at this offset, output ranges from 16 calibration patches (as `adabm export --qdq` by default). */
    static byte[] qdq(QuantModel qm, QuantArtifact.Loaded art, int offset) {
        Path folder = Path.of(art.description().provenance().calibration().folder());
        List<Tensor> patches = CalibrationPatches.sample(folder, 16, art.description().settings().patchSize(), art.description().settings().seed());
        try (ConvKernels k = Backends.get("onednn").availability().available() ? Backends.get("onednn").convKernels(1)
                : Backends.get("java").convKernels(1)) {
            return QdqExport.export(qm, offset, OutputRanges.measure(qm, offset, patches, k)).toByteArray();
        }
    }
}
