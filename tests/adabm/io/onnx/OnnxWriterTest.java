package adabm.io.onnx;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestGraphs;
import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.quant.export.OrtRun;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link OnnxWriter}: a graph using every IR op, written and read back by our importer, computes exactly what the
 * original computes on the reference backend (same ops, same arithmetic), and ONNX Runtime agrees on the written file
 * up to float32 summation order in the convs (relative 1e-5 of the output range).
 */
class OnnxWriterTest {
    static Graph everyOp() {
        Random r = new Random(3);
        Op.Conv2d c1 = TestGraphs.conv(r, "c1", "p", "c1", 3, 8, 3);
        c1 = new Op.Conv2d("c1", "p", "c1", 3, 8, 3, 3, 0, 0, 0, 0, 1, c1.weight(), c1.bias());
        float[] w2 = new float[12 * 4 * 9];
        for (int i = 0; i < w2.length; i++) w2[i] = (float) r.nextGaussian() * 0.2f;
        Op.Conv2d c2 = new Op.Conv2d("c2", "p2", "c2", 16, 12, 3, 3, 0, 0, 0, 0, 4, w2, new float[12]);
        List<Op> ops = List.of(
                new Op.Affine("norm", "x", "a", new float[] {0.5f, 1f, 2f}, new float[] {-1f, 0f, 1f}),
                new Op.Pad("pad", "a", "p", 1, 2, 1, 0, Op.PadMode.EDGE, 0f),
                c1,
                new Op.PRelu("pr", "c1", "r1", new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f}),
                new Op.LeakyRelu("lk", "c1", "r2", 0.05f),
                new Op.Sub("sub", "r1", "r2", "d"),
                new Op.Concat("cat", List.of("d", "r1"), "cat"),
                new Op.Pad("pad2", "cat", "p2", 1, 1, 1, 1, Op.PadMode.CONSTANT, 0.5f),
                c2,
                new Op.DepthToSpace("ds", "c2", "ds", 2, Op.ShuffleOrder.DCR),
                new Op.ResizeNearest("up", "x", "up", 2),
                new Op.Affine("scale", "up", "ups", new float[] {0.01f}, new float[] {0f}),
                new Op.Add("add", "ds", "ups", "y"),
                new Op.Relu("relu", "y", "out"));
        return new Graph("every-op", "x", 3, ops, "out", Map.of("scale", "2"));
    }

    @Test void everyOpRoundTripsThroughOurImporterAndOnnxRuntime() throws Exception {
        Graph g = everyOp();
        Tensor x = TestGraphs.image(13, 11, 5);
        var proto = OnnxWriter.write(g);
        Graph back = OnnxImporter.fromModel(proto, "written");
        Tensor want, got;
        try (Plan a = Backends.get("java").compile(g, new BackendOptions(1)); Plan b = Backends.get("java").compile(back, new BackendOptions(1))) {
            want = a.run(x);
            got = b.run(x);
        }
        assertArrayEquals(want.data, got.data, "our importer reads back the same graph");
        Tensor ort = OrtRun.run(proto, x);
        assertEquals(want.shape(), ort.shape());
        double range = 0, worst = 0;
        for (float v : want.data) range = Math.max(range, Math.abs(v));
        for (int i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(want.data[i] - ort.data[i]));
        assertTrue(range > 1, "a non-trivial output");
        assertTrue(worst <= 1e-5 * range, "ONNX Runtime differs by " + worst + " (range " + range + ")");
    }

    @Test void tinyEdsrMatchesOnnxRuntime() throws Exception {
        Graph g = TestGraphs.tinyEdsr(8, 2, 2, 7);
        Tensor x = TestGraphs.image(10, 12, 1);
        Tensor want;
        try (Plan a = Backends.get("java").compile(g, new BackendOptions(1))) { want = a.run(x); }
        Tensor ort = OrtRun.run(OnnxWriter.write(g), x);
        double worst = 0;
        for (int i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(want.data[i] - ort.data[i]));
        assertTrue(worst < 1e-2, "max |diff| " + worst + " on outputs in the hundreds");
    }
}
