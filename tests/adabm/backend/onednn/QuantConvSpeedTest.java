package adabm.backend.onednn;

import static adabm.backend.onednn.QuantConvTest.assumeNative;
import static adabm.backend.onednn.QuantConvTest.uniform;

import adabm.backend.BackendOptions;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One-thread timings (printed, not asserted: shared VMs are noisy) of the 3x3 64->64 conv on 1x64x256x256:
 * the float32 oneDNN plan against the exact integer conv, side by side in one process (DESIGN.md: bare primitives
 * measured fp32 21.5 ms, int8 5.8 ms). The float plan's time includes its NCHW<->NHWC reorders and the Java
 * array copies; the int8 times use the owned segments (no copies) and include the border/window epilogue.
 */
@Tag("slow")
class QuantConvSpeedTest {
    static final int RUNS = 15;

    @Test void conv64x64On256OneThread() {
        assumeNative();
        Random rnd = new Random(21);
        int c = 64, h = 256, w = 256;
        float[] weight = uniform(rnd, c * c * 9, 0.2);
        float[] bias = uniform(rnd, c, 0.1);
        double gop = 2.0 * c * c * 9 * h * w / 1e9;

        Op.Conv2d conv = new Op.Conv2d("c", "x", "y", c, c, 3, 3, 1, 1, 1, 1, 1, weight, bias);
        Graph g = new Graph("conv64", "x", c, List.of(conv), "y", Map.of());
        Tensor x = new Tensor(1, c, h, w);
        for (int i = 0; i < x.data.length; i++) x.data[i] = rnd.nextFloat();
        try (OneDnnPlan plan = (OneDnnPlan) OneDnnTestSupport.onednn().compile(g, new BackendOptions(1))) {
            plan.run(x);
            double ms = median(() -> plan.run(x));
            System.out.printf("fp32 plan (onednn, %s): %.2f ms, %.0f GOPS%n", plan.convImplementations().strip(), ms, gop / ms * 1e3);
        }

        try (QuantConv q = new QuantConv(QuantConv.Geometry.same(c, c, 3, 1), weight, bias, 1)) {
            MemorySegment in = q.inputBuffer(1, h, w);
            for (long i = 0; i < in.byteSize(); i++) in.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(16));
            for (int bw : new int[] {4, 8}) {
                q.setWeightBits(0.15f, bw);
                QuantConv.Requant next = new QuantConv.Requant(-1f, 1f, 4);
                for (int mode = 0; mode < 3; mode++) {
                    QuantConv.Requant nx = mode == 0 ? null : next;
                    boolean floats = mode < 2;
                    q.runBuffers(1, h, w, -0.3f, 0.9f, 4, nx, floats);
                    double ms = median(() -> q.runBuffers(1, h, w, -0.3f, 0.9f, 4, nx, floats));
                    System.out.printf("int8 qconv bw=%d %s: %.2f ms, %.0f GOPS [%s]%n", bw,
                            new String[] {"float out", "float + u8 codes out", "u8 codes only"}[mode], ms, gop / ms * 1e3,
                            q.implementation().replace('\n', ' '));
                }
            }
        }
    }

    static double median(Runnable r) {
        double[] ms = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long t = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return ms[RUNS / 2];
    }
}
