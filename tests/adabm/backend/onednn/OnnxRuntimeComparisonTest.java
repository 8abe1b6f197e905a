package adabm.backend.onednn;

import static adabm.backend.onednn.OneDnnTestSupport.onednn;
import static adabm.backend.onednn.OneDnnTestSupport.random;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adabm.backend.BackendOptions;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Side-by-side one-thread timing of the oneDNN backend and ONNX Runtime Java on the same random-weight networks
 * (printed, not asserted), with a check that both compute the same function. A minimal exporter writes the
 * graphs (conv, relu, add, depth-to-space only) as ONNX.
 */
@Tag("slow")
class OnnxRuntimeComparisonTest {
    @Test void edsrLikeAgainstOnnxRuntime() throws Exception {
        Random rnd = new Random(12);
        List<Op> ops = new ArrayList<>();
        ops.add(OneDnnTestSupport.conv(rnd, "head", "x", "h", 3, 64, 3, 1));
        String cur = "h";
        for (int b = 0; b < 8; b++) {
            ops.add(OneDnnTestSupport.conv(rnd, "b" + b + "a", cur, "b" + b + "x", 64, 64, 3, 1));
            ops.add(new Op.Relu("b" + b + "r", "b" + b + "x", "b" + b + "y"));
            ops.add(OneDnnTestSupport.conv(rnd, "b" + b + "b", "b" + b + "y", "b" + b + "z", 64, 64, 3, 1));
            ops.add(new Op.Add("b" + b + "add", "b" + b + "z", cur, "b" + b + "o"));
            cur = "b" + b + "o";
        }
        ops.add(OneDnnTestSupport.conv(rnd, "up", cur, "u", 64, 256, 3, 1));
        ops.add(new Op.DepthToSpace("ps", "u", "s", 2, Op.ShuffleOrder.CRD));
        ops.add(OneDnnTestSupport.conv(rnd, "tail", "s", "y", 64, 3, 3, 1));
        Graph g = new Graph("edsr-like", "x", 3, ops, "y", Map.of());
        compare(g, random(rnd, 1, 3, 128, 128), 10);
    }

    @Test void tailConvAgainstOnnxRuntime() throws Exception {
        Random rnd = new Random(14);
        Graph g = new Graph("tail64to3", "x", 64, List.of(OneDnnTestSupport.conv(rnd, "c", "x", "y", 64, 3, 3, 1)), "y", Map.of());
        compare(g, random(rnd, 1, 64, 256, 256), 15);
    }

    @Test void singleConvAgainstOnnxRuntime() throws Exception {
        Random rnd = new Random(13);
        Graph g = new Graph("conv64", "x", 64, List.of(OneDnnTestSupport.conv(rnd, "c", "x", "y", 64, 64, 3, 1)), "y", Map.of());
        compare(g, random(rnd, 1, 64, 256, 256), 15);
    }

    private static void compare(Graph g, Tensor x, int runs) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            opts.setInterOpNumThreads(1);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(adabm.TestOnnx.toOnnx(g).toByteArray(), opts);
                 Plan plan = onednn().compile(g, new BackendOptions(1))) {
                Tensor ours = plan.run(x);
                float[] theirs = ortRun(env, session, x);
                double scale = 0, diff = 0;
                for (int i = 0; i < theirs.length; i++) {
                    scale = Math.max(scale, Math.abs(theirs[i]));
                    diff = Math.max(diff, Math.abs(theirs[i] - ours.data[i]));
                }
                assertTrue(diff <= 1e-5 * scale, "onednn and ONNX Runtime differ by " + diff + " at scale " + scale);
                double[] a = new double[runs], b = new double[runs];
                for (int i = 0; i < runs; i++) {   // interleaved, so both see the same machine load
                    long t0 = System.nanoTime();
                    plan.run(x);
                    long t1 = System.nanoTime();
                    ortRun(env, session, x);
                    long t2 = System.nanoTime();
                    a[i] = (t1 - t0) / 1e6;
                    b[i] = (t2 - t1) / 1e6;
                }
                Arrays.sort(a);
                Arrays.sort(b);
                System.out.printf("%s %s, 1 thread: onednn median %.1f ms (min %.1f), ONNX Runtime median %.1f ms (min %.1f): ratio %.2f%n",
                        g.name(), x.shape(), a[runs / 2], a[0], b[runs / 2], b[0], b[runs / 2] / a[runs / 2]);
            }
        }
    }

    private static float[] ortRun(OrtEnvironment env, OrtSession session, Tensor x) throws Exception {
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data), new long[] {x.n, x.c, x.h, x.w});
             OrtSession.Result r = session.run(Map.of("x", in))) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }
}
