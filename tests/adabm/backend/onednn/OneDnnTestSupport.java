package adabm.backend.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.backend.Backend;
import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Random graphs and the comparison of the oneDNN backend with the Java reference backend. */
final class OneDnnTestSupport {
    /**
     * Allowed |onednn - reference|, relative to the largest reference magnitude. Both sides compute in float32
     * but sum in different orders (oneDNN blocks channels and kernel taps, the reference goes channel by channel);
     * each sum of K products then differs by a few ulps times sqrt(K)-ish: with K <= 64*81 taps and a few layers,
     * that is ~1e-6 of the magnitude, so 1e-5 leaves margin while any indexing error (O(1) of the magnitude) fails.
     */
    static final double RELATIVE_TOLERANCE = 1e-5;

    private OneDnnTestSupport() { }

    static Backend onednn() {
        Backend b = new OneDnnBackend();
        assumeTrue(b.availability().available(), "onednn unavailable: " + b.availability().reason());
        return b;
    }

    static Tensor random(Random rnd, int n, int c, int h, int w) {
        Tensor t = new Tensor(n, c, h, w);
        for (int i = 0; i < t.data.length; i++) t.data[i] = rnd.nextFloat() * 2 - 1;
        return t;
    }

    static float[] uniform(Random rnd, int count, float bound) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (rnd.nextFloat() * 2 - 1) * bound;
        return v;
    }

    /** A conv with weights ~ U(-1,1)/sqrt(fan-in), so activations keep magnitude ~1 through a stack. */
    static Op.Conv2d conv(Random rnd, String name, String in, String out, int ic, int oc, int k, int groups) {
        int p = k / 2;
        return conv(rnd, name, in, out, ic, oc, k, k, p, p, p, p, groups);
    }

    static Op.Conv2d conv(Random rnd, String name, String in, String out, int ic, int oc, int kh, int kw,
                          int pt, int pl, int pb, int pr, int groups) {
        int fanIn = ic / groups * kh * kw;
        float bound = (float) (1.7 / Math.sqrt(fanIn));
        return new Op.Conv2d(name, in, out, ic, oc, kh, kw, pt, pl, pb, pr, groups,
                uniform(rnd, oc * (ic / groups) * kh * kw, bound), uniform(rnd, oc, 0.5f));
    }

    static Graph graph(String name, int inputChannels, List<Op> ops, String output) {
        return new Graph(name, "x", inputChannels, ops, output, Map.of());
    }

    /** Runs graph on both backends for each [n, h, w] size and checks the outputs agree. */
    static void assertMatchesReference(Graph graph, int[]... sizes) {
        Backend onednn = onednn();
        Random rnd = new Random(graph.name().hashCode());
        try (Plan ref = Backends.get("java").compile(graph, new BackendOptions(1));
             Plan nat = onednn.compile(graph, new BackendOptions(1))) {
            for (int[] s : sizes) {
                Tensor x = random(rnd, s[0], graph.inputChannels(), s[1], s[2]);
                Tensor expected = ref.run(x);
                Tensor actual = nat.run(x);
                assertClose(expected, actual, graph.name() + " at " + x.shape());
                assertNoReferenceKernels((OneDnnPlan) nat, graph.name() + " at " + x.shape());
                String impls = ((OneDnnPlan) nat).convImplementations();
                assertEquals(liveConvs(graph), impls.isEmpty() ? 0 : impls.split("\n").length, "convs run for " + graph.name());
            }
        }
    }

    /** Convs the output depends on: the native plan skips the others. */
    static int liveConvs(Graph graph) {
        java.util.Set<String> needed = new java.util.HashSet<>(List.of(graph.output()));
        int convs = 0;
        for (Op op : graph.ops().reversed())
            if (needed.contains(op.output())) {
                needed.addAll(op.inputs());
                if (op instanceof Op.Conv2d) convs++;
            }
        return convs;
    }

    /** oneDNN's "ref" convolutions are correct but orders of magnitude slower: the plan must never land on one. */
    static void assertNoReferenceKernels(OneDnnPlan plan, String what) {
        String impls = plan.convImplementations();
        for (String impl : impls.split("\n"))
            assertTrue(!impl.startsWith("ref") && !impl.contains("gemm:ref"), what + ": conv runs on " + impl);
    }

    static void assertClose(Tensor expected, Tensor actual, String what) {
        assertEquals(expected.shape(), actual.shape(), what + ": shape");
        float scale = 0;
        for (float v : expected.data) scale = Math.max(scale, Math.abs(v));
        float diff = expected.maxAbsDiff(actual);
        assertTrue(scale > 0, what + ": degenerate all-zero output proves nothing");
        assertTrue(diff <= RELATIVE_TOLERANCE * scale,
                what + ": max |diff| " + diff + " exceeds " + RELATIVE_TOLERANCE + " x max |ref| " + scale);
    }
}
