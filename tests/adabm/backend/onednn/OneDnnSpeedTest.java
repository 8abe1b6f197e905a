package adabm.backend.onednn;

import static adabm.backend.onednn.OneDnnTestSupport.assertClose;
import static adabm.backend.onednn.OneDnnTestSupport.assertNoReferenceKernels;
import static adabm.backend.onednn.OneDnnTestSupport.conv;
import static adabm.backend.onednn.OneDnnTestSupport.onednn;
import static adabm.backend.onednn.OneDnnTestSupport.random;

import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * One-thread timings of the oneDNN backend against the Java reference (printed, not asserted: timings on shared
 * VMs are noisy), plus a correctness check at these realistic sizes and a check that no conv runs on a ref kernel.
 */
@Tag("slow")
class OneDnnSpeedTest {
    private final Random rnd = new Random(11);

    @Test void conv64x64On256() {
        Graph g = new Graph("conv64", "x", 64, List.of(conv(rnd, "c", "x", "y", 64, 64, 3, 1)), "y", Map.of());
        compare(g, random(rnd, 1, 64, 256, 256), 20);
    }

    @Test void edsrLikeOn128() {
        List<Op> ops = new ArrayList<>();
        ops.add(conv(rnd, "head", "x", "h", 3, 64, 3, 1));
        String cur = "h";
        for (int b = 0; b < 8; b++) {
            ops.add(conv(rnd, "b" + b + "a", cur, "b" + b + "x", 64, 64, 3, 1));
            ops.add(new Op.Relu("b" + b + "r", "b" + b + "x", "b" + b + "y"));
            ops.add(conv(rnd, "b" + b + "b", "b" + b + "y", "b" + b + "z", 64, 64, 3, 1));
            ops.add(new Op.Add("b" + b + "add", "b" + b + "z", cur, "b" + b + "o"));
            cur = "b" + b + "o";
        }
        ops.add(conv(rnd, "up", cur, "u", 64, 256, 3, 1));
        ops.add(new Op.DepthToSpace("ps", "u", "s", 2, Op.ShuffleOrder.CRD));
        ops.add(conv(rnd, "tail", "s", "y", 64, 3, 3, 1));
        compare(new Graph("edsr-like", "x", 3, ops, "y", Map.of()), random(rnd, 1, 3, 128, 128), 10);
    }

    private static void compare(Graph g, Tensor x, int runs) {
        try (Plan ref = Backends.get("java").compile(g, new BackendOptions(1));
             OneDnnPlan nat = (OneDnnPlan) onednn().compile(g, new BackendOptions(1))) {
            long t0 = System.nanoTime();
            Tensor expected = ref.run(x);
            double refMs = (System.nanoTime() - t0) / 1e6;
            Tensor actual = nat.run(x);   // first run builds primitives and reorders weights
            double[] ms = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t = System.nanoTime();
                nat.run(x);
                ms[i] = (System.nanoTime() - t) / 1e6;
            }
            Arrays.sort(ms);
            double gmac = g.macs(x.h, x.w) / 1e9;
            System.out.printf("%s %s, 1 thread: onednn median %.1f ms (min %.1f, %.0f GFLOPS), java reference %.0f ms: %.0fx%n",
                    g.name(), x.shape(), ms[runs / 2], ms[0], 2 * gmac / (ms[runs / 2] / 1e3), refMs, refMs / ms[runs / 2]);
            System.out.println("  conv kernels: " + nat.convImplementations().strip().replace('\n', ' '));
            try (Plan two = onednn().compile(g, new BackendOptions(2))) {
                two.run(x);
                for (int i = 0; i < runs; i++) {
                    long t = System.nanoTime();
                    two.run(x);
                    ms[i] = (System.nanoTime() - t) / 1e6;
                }
                Arrays.sort(ms);
                System.out.printf("  2 threads: onednn median %.1f ms (min %.1f)%n", ms[runs / 2], ms[0]);
            }
            assertClose(expected, actual, g.name());
            assertNoReferenceKernels(nat, g.name());
        }
    }
}
