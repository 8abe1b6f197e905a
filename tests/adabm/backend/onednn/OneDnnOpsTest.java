package adabm.backend.onednn;

import static adabm.backend.onednn.OneDnnTestSupport.assertMatchesReference;
import static adabm.backend.onednn.OneDnnTestSupport.conv;
import static adabm.backend.onednn.OneDnnTestSupport.graph;
import static adabm.backend.onednn.OneDnnTestSupport.uniform;

import adabm.graph.Graph;
import adabm.graph.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every op kind and every fusion pattern on the oneDNN backend, against the Java reference. */
class OneDnnOpsTest {
    private static final int[] ONE = {1, 1, 1}, NON_SQUARE = {1, 5, 9}, SQUARE = {1, 16, 16}, BATCH = {2, 7, 4};
    private final Random rnd = new Random(42);

    @Test void convReluFused() {
        Graph g = graph("conv-relu", 3, List.of(conv(rnd, "c", "x", "a", 3, 16, 3, 1), new Op.Relu("r", "a", "y")), "y");
        assertMatchesReference(g, ONE, NON_SQUARE, SQUARE, BATCH);
    }

    @Test void convAddFusedWithConvOnEitherSide() {
        Graph g = graph("conv-add", 3, List.of(
                conv(rnd, "c1", "x", "a", 3, 8, 3, 1),
                conv(rnd, "c2", "a", "b", 8, 8, 3, 1),
                new Op.Add("add1", "b", "a", "s"),          // conv output first
                conv(rnd, "c3", "s", "d", 8, 8, 3, 1),
                new Op.Add("add2", "s", "d", "y")), "y");   // conv output second
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void resBlockChainConvReluConvAffineAdd() {
        Graph g = graph("resblock", 3, List.of(
                conv(rnd, "head", "x", "h", 3, 16, 3, 1),
                conv(rnd, "b1", "h", "t1", 16, 16, 3, 1),
                new Op.Relu("r", "t1", "t2"),
                conv(rnd, "b2", "t2", "t3", 16, 16, 3, 1),
                new Op.Affine("scale", "t3", "t4", new float[] {0.1f}, new float[] {0f}),
                new Op.Add("res", "t4", "h", "y")), "y");
        assertMatchesReference(g, ONE, NON_SQUARE, SQUARE, BATCH);
    }

    @Test void convPreluWithOneAndPerChannelSlopes() {
        Graph g = graph("conv-prelu", 3, List.of(
                conv(rnd, "c1", "x", "a", 3, 8, 3, 1),
                new Op.PRelu("p1", "a", "b", new float[] {0.25f}),
                conv(rnd, "c2", "b", "c", 8, 8, 3, 1),
                new Op.PRelu("p2", "c", "y", uniform(rnd, 8, 0.5f))), "y");
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void convLeakyReluAndStandaloneLeakyRelu() {
        Graph g = graph("leaky", 3, List.of(
                new Op.LeakyRelu("l0", "x", "a", 0.2f),            // on the graph input: not fusable
                conv(rnd, "c1", "a", "b", 3, 8, 3, 1),
                new Op.LeakyRelu("l1", "b", "y", 0.1f)), "y");
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void groupedConvs() {
        Graph g = graph("grouped", 8, List.of(
                conv(rnd, "g3", "x", "a", 8, 8, 3, 4),
                new Op.Relu("r", "a", "b"),
                conv(rnd, "g1", "b", "c", 8, 12, 1, 4),
                conv(rnd, "g2", "c", "y", 12, 12, 3, 2)), "y");
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void kernels1359() {
        Graph g = graph("kernels", 3, List.of(
                conv(rnd, "k1", "x", "a", 3, 8, 1, 1),
                conv(rnd, "k3", "a", "b", 8, 8, 3, 1),
                conv(rnd, "k5", "b", "c", 8, 8, 5, 1),
                conv(rnd, "k9", "c", "y", 8, 3, 9, 1)), "y");
        assertMatchesReference(g, ONE, NON_SQUARE, new int[] {1, 12, 11}, BATCH);
    }

    @Test void validAndAsymmetricPadding() {
        Graph g = graph("valid", 3, List.of(
                conv(rnd, "v", "x", "a", 3, 8, 3, 3, 0, 0, 0, 0, 1),
                conv(rnd, "asym", "a", "b", 8, 8, 3, 5, 1, 0, 2, 3, 1),
                conv(rnd, "k1x3", "b", "y", 8, 4, 1, 3, 0, 0, 0, 0, 1)), "y");
        assertMatchesReference(g, new int[] {1, 3, 7}, new int[] {1, 9, 14}, new int[] {2, 6, 8});
    }

    @Test void concatOfThreeIncludingGraphInput() {
        Graph g = graph("concat", 3, List.of(
                conv(rnd, "c1", "x", "a", 3, 5, 3, 1),
                conv(rnd, "c2", "x", "b0", 3, 4, 1, 1),
                new Op.Relu("r", "b0", "b"),
                new Op.Concat("cat", List.of("x", "a", "b"), "cat"),
                conv(rnd, "fuse", "cat", "y", 12, 6, 1, 1)), "y");
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void denseConcatChainLikeRdn() {
        List<Op> ops = new ArrayList<>();
        String cur = "x";
        int ch = 8;
        ops.add(conv(rnd, "stem", "x", "s", 3, ch, 3, 1));
        cur = "s";
        for (int i = 0; i < 3; i++) {
            ops.add(conv(rnd, "d" + i, cur, "dc" + i, ch, 4, 3, 1));
            ops.add(new Op.Relu("dr" + i, "dc" + i, "dr" + i));
            ops.add(new Op.Concat("cat" + i, List.of(cur, "dr" + i), "cat" + i));
            cur = "cat" + i;
            ch += 4;
        }
        ops.add(conv(rnd, "lff", cur, "l", ch, 8, 1, 1));
        ops.add(new Op.Add("res", "l", "s", "y"));
        assertMatchesReference(graph("dense", 3, ops, "y"), ONE, NON_SQUARE, BATCH);
    }

    @Test void depthToSpaceCrdAndDcr() {
        Graph g = graph("shuffle", 3, List.of(
                conv(rnd, "c1", "x", "a", 3, 12, 3, 1),
                new Op.DepthToSpace("crd", "a", "b", 2, Op.ShuffleOrder.CRD),
                conv(rnd, "c2", "b", "c", 3, 27, 3, 1),
                new Op.DepthToSpace("dcr", "c", "y", 3, Op.ShuffleOrder.DCR)), "y");   // output is not a conv
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void edgeAndConstantPadThenValidConvs() {
        Graph g = graph("pad", 3, List.of(
                new Op.Pad("edge", "x", "a", 1, 2, 0, 3, Op.PadMode.EDGE, 0f),
                conv(rnd, "v1", "a", "b", 3, 6, 3, 3, 0, 0, 0, 0, 1),
                new Op.Pad("const", "b", "c", 2, 0, 1, 1, Op.PadMode.CONSTANT, 0.5f),
                conv(rnd, "v2", "c", "y", 6, 3, 3, 3, 0, 0, 0, 0, 1)), "y");
        assertMatchesReference(g, new int[] {1, 2, 1}, NON_SQUARE, BATCH);
    }

    @Test void padAsTheOutput() {
        Graph g = graph("pad-out", 2, List.of(new Op.Pad("p", "x", "y", 3, 1, 2, 4, Op.PadMode.EDGE, 0f)), "y");
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void resizeNearest() {
        Graph g = graph("resize", 3, List.of(
                new Op.ResizeNearest("up2", "x", "a", 2),
                conv(rnd, "c", "a", "b", 3, 4, 3, 1),
                new Op.ResizeNearest("up3", "b", "y", 3)), "y");
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void affineScalarAndPerChannelStandaloneAndFused() {
        Graph g = graph("affine", 3, List.of(
                new Op.Affine("mean", "x", "a", new float[] {1f}, new float[] {-0.4f, -0.45f, -0.5f}),
                new Op.Affine("scale", "a", "b", uniform(rnd, 3, 2f), new float[] {0.25f}),
                conv(rnd, "c1", "b", "c", 3, 6, 3, 1),
                new Op.Affine("fusedPc", "c", "d", uniform(rnd, 6, 2f), uniform(rnd, 6, 1f)),
                conv(rnd, "c2", "d", "e", 6, 6, 3, 1),
                new Op.Affine("fusedScalar", "e", "y", new float[] {0.5f}, new float[] {2f})), "y");
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void subFusedUnfusedAndBetweenNonConvs() {
        Graph g = graph("sub", 3, List.of(
                conv(rnd, "c1", "x", "a", 3, 3, 3, 1),
                new Op.Sub("convMinusX", "a", "x", "b"),        // fused: binary_sub
                conv(rnd, "c2", "b", "c", 3, 3, 3, 1),
                new Op.Sub("xMinusConv", "x", "c", "d"),        // conv is b: runs as its own loop
                new Op.Relu("r", "d", "e"),
                new Op.Sub("plain", "e", "x", "y")), "y");
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void twoConvsMeetingAtOneAdd() {
        Graph g = graph("conv-plus-conv", 3, List.of(
                conv(rnd, "c1", "x", "a", 3, 6, 3, 1),
                conv(rnd, "c2", "x", "b", 3, 6, 1, 1),
                new Op.Add("add", "a", "b", "s"),            // both operands are single-use conv outputs
                new Op.Relu("r", "s", "t"),
                conv(rnd, "c3", "t", "c", 6, 6, 3, 1),
                conv(rnd, "c4", "t", "d", 6, 6, 3, 1),
                new Op.Sub("sub", "d", "c", "y")), "y");
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void convOutputReadTwiceIsNotFused() {
        Graph g = graph("shared-out", 3, List.of(
                conv(rnd, "c1", "x", "a", 3, 4, 3, 1),
                new Op.Relu("r", "a", "b"),
                new Op.Add("add", "a", "b", "y")), "y");     // a is read by relu and add
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void sharedWeightsAndDeadBranches() {
        Op.Conv2d first = conv(rnd, "c1", "x", "a", 3, 3, 3, 1);
        Op.Conv2d reuse = new Op.Conv2d("c2", "a", "b", 3, 3, 3, 3, 1, 1, 1, 1, 1, first.weight(), first.bias());
        Graph g = graph("shared", 3, List.of(first, reuse,
                conv(rnd, "unused", "a", "dead", 3, 7, 5, 1),   // not needed for the output: skipped natively
                new Op.Add("add", "b", "x", "y")), "y");
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void outputIsTheGraphInput() {
        Graph g = graph("identity", 3, List.of(conv(rnd, "unused", "x", "a", 3, 3, 3, 1)), "x");
        assertMatchesReference(g, ONE, NON_SQUARE, BATCH);
    }

    @Test void edsrLikeNetwork() {
        assertMatchesReference(OneDnnModels.edsrLike(rnd, 16, 2), ONE, NON_SQUARE, BATCH);
    }
}
