package adabm.cli;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.TestGraphs;
import adabm.TestOnnx;
import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.io.ModelLoader;
import adabm.io.image.Images;
import adabm.io.onnx.proto.OnnxProto;
import adabm.quant.export.OrtRun;
import adabm.quant.report.TinyData;
import adabm.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adabm export} (float and --qdq) on a small synthetic checkpoint, run back in ONNX Runtime, and bad input. */
class ExportCommandTest {
    @TempDir Path tmp;

    static Path model() { return TestData.shared().resolve("models/synthetic/srresnet_small_x2.pt"); }

    /** A W4A4 fq AdaBM artifact without fine-tuning, calibrated on 3 patches of 16x16 from the data set's LR images. */
    static Path artifact(Path set, Path out) {
        CliTest.Run r = CliTest.run("quantize", "--model", model().toString(), "--calib", set.toString(), "--no-ft", "--patches", "3",
                "--patch-size", "16", "--seed", "1", "--backend", "java", "--threads", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        return out;
    }

    @Test void floatExportRunsInOnnxRuntimeLikeOurReference() throws Exception {
        Path onnx = tmp.resolve("f.onnx");
        CliTest.Run r = CliTest.run("export", "--model", model().toString(), "--out", onnx.toString());
        assertEquals(0, r.code(), r.err());
        Graph g = ModelLoader.load(model(), OptionalInt.empty());
        Tensor x = TestGraphs.image(14, 12, 2);
        Tensor want;
        try (Plan p = Backends.get("java").compile(g, new BackendOptions(1))) { want = p.run(x); }
        Tensor got = OrtRun.run(OnnxProto.ModelProto.parseFrom(Files.readAllBytes(onnx)), x);
        double worst = 0;
        for (int i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(want.data[i] - got.data[i]));
        assertTrue(worst < 1e-2, "max |diff| " + worst + " (outputs in 0..255)");
    }

    @Test void qdqExportIsAnInt8ModelAtTheChosenOffset() throws Exception {
        Path set = TinyData.dataset(tmp.resolve("Tiny"), 2, 36, 40, 2, 5);
        Path art = artifact(set, tmp.resolve("a.json"));
        Path onnx = tmp.resolve("q.onnx");
        CliTest.Run r = CliTest.run("export", "--qdq", "--model", model().toString(), "--quant", art.toString(), "--offset", "1",
                "--ranges", set.resolve("LR_bicubic/X2").toString(), "--range-patches", "4", "--backend", "java", "--threads", "1",
                "--out", onnx.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("image offset 1"), r.err());
        OnnxProto.ModelProto m = OnnxProto.ModelProto.parseFrom(Files.readAllBytes(onnx));
        assertTrue(m.getDocString().contains("image offset 1"), m.getDocString());
        Graph g = ModelLoader.load(model(), OptionalInt.empty());
        long dq = m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("DequantizeLinear")).count();
        assertEquals(4L * g.convs().size(), dq, "input, weight, bias and output DequantizeLinear per conv (fq mode quantizes all)");
        Tensor lr = Images.read(set.resolve("LR_bicubic/X2").toFile().listFiles()[0].toPath());
        Tensor sr = OrtRun.run(m, lr);
        assertEquals(lr.h * 2, sr.h);
        for (float v : sr.data) assertTrue(Float.isFinite(v));
    }

    @Test void badInputIsAClearError() throws Exception {
        Path set = TinyData.dataset(tmp.resolve("Tiny"), 1, 36, 40, 2, 5);
        Path art = artifact(set, tmp.resolve("a.json"));
        Path out = tmp.resolve("q.onnx");
        CliTest.Run r = CliTest.run("export", "--qdq", "--model", model().toString(), "--quant", art.toString(), "--offset", "2", "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--offset must be -1, 0 or 1"), r.err());
        r = CliTest.run("export", "--qdq", "--model", model().toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--qdq needs --quant"), r.err());
        Path other = TestOnnx.write(TestGraphs.tinyEdsr(8, 1, 2, 3), tmp.resolve("other.onnx"));
        r = CliTest.run("export", "--qdq", "--model", other.toString(), "--quant", art.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("artifact was made from model"), r.err());
        assertFalse(Files.exists(out), "nothing written on error");
    }
}
