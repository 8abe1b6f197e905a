package adabm.cli;

import adabm.AdabmException;
import adabm.backend.ConvKernels;
import adabm.graph.Graph;
import adabm.io.AtomicFiles;
import adabm.io.onnx.OnnxWriter;
import adabm.io.onnx.proto.OnnxProto;
import adabm.quant.CalibrationPatches;
import adabm.quant.QuantModel;
import adabm.quant.artifact.CalibrationSource;
import adabm.quant.artifact.QuantArtifact;
import adabm.quant.export.OutputRanges;
import adabm.quant.export.QdqExport;
import adabm.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Writes a model as a standard ONNX file (opset 13): float32 as it is, or with --qdq the quantized model of",
                "an artifact as a static QDQ model (QuantizeLinear/DequantizeLinear around each quantized conv) for int8 engines",
                "such as ONNX Runtime.",
                "Limits of --qdq (static bits): every adaptive layer runs at base + the chosen --offset + its layer offset for",
                "every image (no per-image bit map); activation zero points are rounded to integers (grid shifted by at most",
                "half a step; a layer whose range excludes 0 gets an input shift instead, exact except at padded borders);",
                "8-bit weights whose codes exceed +-127 are requantized per channel; each quantized conv's output is quantized",
                "to 8 bits over a range measured on calibration patches. Measured on Set5 against the fake-quant model at the",
                "same offset: -0.02 dB (EDSR-8 W4A4, offset 0) to -0.5 dB (CARN-M); see README."})
final class ExportCommand implements Callable<Integer> {
    @Mixin ModelFileOptions model;

    @Option(names = "--qdq", description = "export the quantized model of --quant as QDQ (else the float32 model)")
    boolean qdq;

    @Option(names = "--quant", description = "quantized-model artifact (from adabm quantize) made from --model; needed by --qdq")
    Path quant;

    @Option(names = "--offset", defaultValue = "0", description = "image offset whose bits the QDQ model uses: -1, 0 or 1 (default: ${DEFAULT-VALUE})")
    int offset;

    @Option(names = "--ranges", description = "folder of LR images for the conv output ranges (default: the artifact's calibration folder)")
    Path ranges;

    @Option(names = "--range-patches", defaultValue = "16", description = "patches sampled for the output ranges (default: ${DEFAULT-VALUE})")
    int rangePatches;

    @Option(names = "--shift-zero-point", description = "with --qdq: add the input shift that makes AdaBM's non-integer zero point exact (exact except at padded borders; one more op per conv)")
    boolean shiftZeroPoint;

    @Option(names = "--out", required = true, description = ".onnx file to write")
    Path out;

    @Mixin KernelOptions kernel;

    @Override public Integer call() throws Exception {
        if (offset < -1 || offset > 1) throw new IllegalArgumentException("--offset must be -1, 0 or 1, got " + offset);
        if (!qdq && quant != null) throw new IllegalArgumentException("--quant is only used with --qdq");
        if (!qdq && (offset != 0 || ranges != null || shiftZeroPoint))
            throw new IllegalArgumentException("--offset, --ranges and --shift-zero-point are only used with --qdq");
        if (qdq && quant == null) throw new IllegalArgumentException("--qdq needs --quant (the artifact to export)");
        if (rangePatches < 1) throw new IllegalArgumentException("--range-patches must be positive, got " + rangePatches);
        OutputPaths.check("--out", out);
        Graph g = model.load();
        OnnxProto.ModelProto proto;
        if (!qdq) {
            proto = OnnxWriter.write(g);
            System.err.printf("float32 %s (x%d) -> %s%n", g.name(), model.scale(g), out);
        } else {
            QuantArtifact.Loaded a = QuantArtifact.read(quant, g, model.model.toString());
            QuantModel qm = a.model();
            for (var q : qm.layers()) if (q.kind().quantized()) q.activationBits(offset);   // bits in 2..8 before any work
            Path folder = ranges;
            if (folder == null) {
                CalibrationSource src = a.description().provenance().calibration();
                if (src == null) throw new AdabmException(quant + ": artifact names no calibration folder; give --ranges DIR");
                folder = Path.of(src.folder());
            }
            int size = a.description().settings().patchSize();
            List<Tensor> patches = CalibrationPatches.sample(folder, rangePatches, size, a.description().settings().seed());
            Map<String, float[]> r;
            try (ConvKernels kernels = kernel.open()) {
                r = OutputRanges.measure(qm, offset, patches, kernels);
            }
            proto = QdqExport.export(qm, offset, r, shiftZeroPoint);
            System.err.printf(Locale.ROOT, "QDQ %s (x%d) %s at image offset %d, FAB %.3f; output ranges from %d patches of %s -> %s%n",
                    g.name(), model.scale(g), qm.spec(), offset, qm.fabFor(offset), rangePatches, folder, out);
        }
        AtomicFiles.write(out, proto.toByteArray());
        return 0;
    }
}
