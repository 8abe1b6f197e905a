package adabm.backend.onednn;

import static adabm.backend.onednn.OneDnnTestSupport.assertMatchesReference;
import static adabm.backend.onednn.OneDnnTestSupport.conv;
import static adabm.backend.onednn.OneDnnTestSupport.uniform;

import static org.junit.jupiter.api.Assertions.assertTrue;

import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.graph.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random DAGs mixing every op, with tensors read once or several times, so that the native scheduler meets
 * fusion chains, post-op operands produced in between, dead branches and buffer reuse in combinations the
 * hand-built graphs do not list. Each is compared with the reference backend.
 */
class OneDnnRandomGraphTest {
    /** Spatial size of a tensor as a function of the input size H: h = scale * H + dh (likewise w). */
    private record Tensor(String name, int c, int scale, int dh, int dw) {
        boolean sameShape(Tensor o) { return c == o.c && scale == o.scale && dh == o.dh && dw == o.dw; }
        boolean sameSpatial(Tensor o) { return scale == o.scale && dh == o.dh && dw == o.dw; }
    }

    @Test void randomGraphsMatchTheReference() {
        int compared = 0;
        for (int seed = 0; seed < 40; seed++) {
            Graph g = randomGraph(new Random(seed), "random-" + seed);
            if (allZero(g)) continue;   // e.g. a relu of a negative constant pad: agreeing on zeros proves nothing
            assertMatchesReference(g, new int[] {1, 9, 9}, new int[] {2, 10, 13});
            compared++;
        }
        assertTrue(compared >= 30, "only " + compared + " of 40 random graphs had a non-zero output");
    }

    private static Graph randomGraph(Random rnd, String name) {
        List<Tensor> tensors = new ArrayList<>();
        List<Op> ops = new ArrayList<>();
        tensors.add(new Tensor("x", 3, 1, 0, 0));
        int count = 6 + rnd.nextInt(12);
        for (int i = 0; i < count; i++) {
            // prefer recent tensors: long single-consumer chains are what fusion feeds on
            Tensor a = tensors.get(Math.max(0, tensors.size() - 1 - rnd.nextInt(Math.min(4, tensors.size()))));
            String out = "t" + i, op = "n" + i;
            Tensor made = switch (rnd.nextInt(13)) {
                case 0, 1, 2 -> {
                    int k = new int[] {1, 3, 5}[rnd.nextInt(3)];
                    int groups = a.c % 2 == 0 && rnd.nextInt(3) == 0 ? 2 : 1;
                    int oc = groups * (1 + rnd.nextInt(6));
                    boolean valid = k > 1 && rnd.nextInt(4) == 0 && a.scale * 9 + Math.min(a.dh, a.dw) - (k - 1) >= 2;
                    int p = valid ? 0 : k / 2;
                    ops.add(conv(rnd, op, a.name, out, a.c, oc, k, k, p, p, p, p, groups));
                    yield new Tensor(out, oc, a.scale, a.dh - (valid ? k - 1 : 0), a.dw - (valid ? k - 1 : 0));
                }
                case 3 -> { ops.add(new Op.Relu(op, a.name, out)); yield named(a, out); }
                case 4 -> { ops.add(new Op.LeakyRelu(op, a.name, out, 0.1f)); yield named(a, out); }
                case 5 -> {
                    ops.add(new Op.PRelu(op, a.name, out, rnd.nextBoolean() ? new float[] {0.2f} : uniform(rnd, a.c, 0.5f)));
                    yield named(a, out);
                }
                case 6 -> {
                    ops.add(new Op.Affine(op, a.name, out, uniform(rnd, rnd.nextBoolean() ? 1 : a.c, 1.5f), uniform(rnd, rnd.nextBoolean() ? 1 : a.c, 1f)));
                    yield named(a, out);
                }
                case 7, 8 -> {
                    Tensor b = partner(rnd, tensors, a, true);
                    if (b == a || rnd.nextBoolean()) ops.add(new Op.Add(op, rnd.nextBoolean() ? a.name : b.name, rnd.nextBoolean() ? b.name : a.name, out));
                    else ops.add(new Op.Sub(op, a.name, b.name, out));   // never a - a: an all-zero output proves nothing
                    yield named(a, out);
                }
                case 9 -> {
                    Tensor b = partner(rnd, tensors, a, false), c = partner(rnd, tensors, a, false);
                    ops.add(new Op.Concat(op, List.of(b.name, a.name, c.name), out));
                    yield new Tensor(out, a.c + b.c + c.c, a.scale, a.dh, a.dw);
                }
                case 10 -> {
                    if (a.c % 4 != 0 || a.scale > 1) { ops.add(new Op.Relu(op, a.name, out)); yield named(a, out); }
                    ops.add(new Op.DepthToSpace(op, a.name, out, 2, rnd.nextBoolean() ? Op.ShuffleOrder.CRD : Op.ShuffleOrder.DCR));
                    yield new Tensor(out, a.c / 4, a.scale * 2, a.dh * 2, a.dw * 2);
                }
                case 11 -> {
                    int t = rnd.nextInt(3), l = rnd.nextInt(3), b = rnd.nextInt(3), r = rnd.nextInt(3);
                    ops.add(new Op.Pad(op, a.name, out, t, l, b, r, rnd.nextBoolean() ? Op.PadMode.EDGE : Op.PadMode.CONSTANT, 0.3f));
                    yield new Tensor(out, a.c, a.scale, a.dh + t + b, a.dw + l + r);
                }
                default -> {
                    if (a.scale > 1) { ops.add(new Op.Relu(op, a.name, out)); yield named(a, out); }
                    ops.add(new Op.ResizeNearest(op, a.name, out, 2));
                    yield new Tensor(out, a.c, a.scale * 2, a.dh * 2, a.dw * 2);
                }
            };
            tensors.add(made);
        }
        // the output: usually the last tensor, sometimes an earlier one (leaving dead ops behind)
        String output = rnd.nextInt(4) == 0 ? tensors.get(1 + rnd.nextInt(tensors.size() - 1)).name : tensors.getLast().name;
        return new Graph(name, "x", 3, ops, output, Map.of());
    }

    private static boolean allZero(Graph g) {
        try (Plan ref = Backends.get("java").compile(g, new BackendOptions(1))) {
            for (float v : ref.run(OneDnnTestSupport.random(new Random(0), 1, 3, 9, 9)).data) if (v != 0) return false;
            return true;
        }
    }

    private static Tensor named(Tensor a, String out) { return new Tensor(out, a.c, a.scale, a.dh, a.dw); }

    /** A random earlier tensor of a's shape (or just its spatial size), else a itself. */
    private static Tensor partner(Random rnd, List<Tensor> tensors, Tensor a, boolean sameChannels) {
        List<Tensor> fits = new ArrayList<>();
        for (Tensor t : tensors) if (sameChannels ? t.sameShape(a) : t.sameSpatial(a)) fits.add(t);
        return fits.get(rnd.nextInt(fits.size()));
    }
}
