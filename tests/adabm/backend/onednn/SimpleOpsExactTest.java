package adabm.backend.onednn;

import static adabm.backend.onednn.OneDnnTestSupport.graph;
import static adabm.backend.onednn.OneDnnTestSupport.onednn;
import static adabm.backend.onednn.OneDnnTestSupport.random;
import static adabm.backend.onednn.OneDnnTestSupport.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The native NHWC element-wise ops, pixel shuffles and concat (native/src/simple_ops.cpp over fused_chain.cpp,
 * vectorised and cloned per ISA) against the Java reference: EXACTLY equal values, since each op is one float32
 * operation per element (affine two: a product, then a sum, never an FMA) and a shuffle or concat only moves values.
 * A ReLU may give -0 where Java gives +0 (equal values). Sizes cross the parallel threshold and the chunk size, with
 * a batch of 2 and channel counts that are not multiples of a vector.
 */
class SimpleOpsExactTest {
    private final Random rnd = new Random(7);

    @Test void elementWiseChainOfEveryKind() {
        int c = 12;
        Graph g = graph("elementwise", c, List.of(
                new Op.Affine("bn", "x", "a", uniform(rnd, c, 2f), uniform(rnd, c, 1f)),
                new Op.PRelu("prelu", "a", "b", uniform(rnd, c, 0.7f)),
                new Op.PRelu("prelu1", "b", "b1", new float[] {-0.3f}),
                new Op.LeakyRelu("leaky", "b1", "d", 0.1f),
                new Op.Add("add", "d", "x", "e"),
                new Op.Sub("sub", "x", "e", "f"),
                new Op.Relu("relu", "f", "r"),
                new Op.Affine("scalar", "r", "s", new float[] {0.3f}, new float[] {-0.1f}),
                new Op.Concat("cat", List.of("s", "x", "b"), "y")), "y");
        assertExact(g, new int[] {2, 37, 41}, new int[] {1, 3, 5});
    }

    @Test void pixelShufflesOfBlocksTwoThreeAndFourInBothOrders() {
        for (Op.ShuffleOrder order : Op.ShuffleOrder.values())
            for (int block : new int[] {2, 3, 4}) {
                Graph g = graph("shuffle-" + order + "-" + block, 144,
                        List.of(new Op.DepthToSpace("d2s", "x", "y", block, order)), "y");
                assertExact(g, new int[] {2, 13, 9}, new int[] {1, 1, 2});
            }
    }

    static void assertExact(Graph g, int[]... sizes) {
        Random rnd = new Random(g.name().hashCode());
        try (Plan ref = Backends.get("java").compile(g, new BackendOptions(1)); Plan nat = onednn().compile(g, new BackendOptions(2))) {
            for (int[] s : sizes) {
                Tensor x = random(rnd, s[0], g.inputChannels(), s[1], s[2]);
                Tensor want = ref.run(x), got = nat.run(x);
                assertEquals(want.shape(), got.shape(), g.name());
                for (int i = 0; i < want.data.length; i++)
                    if (!(want.data[i] == got.data[i] || Float.isNaN(want.data[i]) && Float.isNaN(got.data[i])))
                        fail(g.name() + " at " + x.shape() + ": element " + i + " reference " + want.data[i] + ", native " + got.data[i]);
            }
        }
    }
}
