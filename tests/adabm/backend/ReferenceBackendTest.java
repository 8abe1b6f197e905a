package adabm.backend;

import static org.junit.jupiter.api.Assertions.*;

import adabm.ShapeException;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-computed cases for the reference kernels (the oracle must itself be checked against arithmetic). */
class ReferenceBackendTest {
    @Test void convWithPaddingBiasAndGroupsMatchesHandComputation() {
        // 2 input channels, 2 groups, 3x3 kernel of ones on channel 0, identity-centre on channel 1, pad 1
        float[] w = new float[2 * 1 * 9];
        for (int i = 0; i < 9; i++) w[i] = 1f;
        w[9 + 4] = 2f;
        Op.Conv2d conv = new Op.Conv2d("c", "x", "y", 2, 2, 3, 3, 1, 1, 1, 1, 2, w, new float[] {0.5f, -1f});
        Graph g = new Graph("t", "x", 2, List.of(conv), "y", Map.of());
        float[] in = {1, 2, 3, 4, /* ch1 */ 5, 6, 7, 8};
        try (Plan p = Backends.get("java").compile(g, new BackendOptions(1))) {
            Tensor y = p.run(new Tensor(1, 2, 2, 2, in));
            // every 3x3 window of a 2x2 image with zero padding covers all four pixels: sum 10, + bias 0.5
            for (int i = 0; i < 4; i++) assertEquals(10.5f, y.data[i], 0f);
            for (int i = 0; i < 4; i++) assertEquals(2 * in[4 + i] - 1f, y.data[4 + i], 0f);
        }
    }

    @Test void depthToSpaceOrdersDiffer() {
        Tensor x = new Tensor(1, 4, 1, 1, new float[] {0, 1, 2, 3});
        Op.DepthToSpace crd = new Op.DepthToSpace("s", "x", "y", 2, Op.ShuffleOrder.CRD);
        try (Plan p = Backends.get("java").compile(new Graph("t", "x", 4, List.of(crd), "y", Map.of()), BackendOptions.defaults())) {
            assertArrayEquals(new float[] {0, 1, 2, 3}, p.run(x).data);
        }
        // 8 channels = 2 colours x 4 sub-pixels; DCR puts colour fastest
        Tensor x8 = new Tensor(1, 8, 1, 1, new float[] {0, 1, 2, 3, 4, 5, 6, 7});
        Op.DepthToSpace dcr = new Op.DepthToSpace("s", "x", "y", 2, Op.ShuffleOrder.DCR);
        try (Plan p = Backends.get("java").compile(new Graph("t", "x", 8, List.of(dcr), "y", Map.of()), BackendOptions.defaults())) {
            assertArrayEquals(new float[] {0, 2, 4, 6, 1, 3, 5, 7}, p.run(x8).data);
        }
    }

    @Test void shapeErrorsNameTheNode() {
        Op.Conv2d conv = new Op.Conv2d("body.0", "x", "y", 4, 4, 3, 3, 1, 1, 1, 1, 1, new float[144], new float[4]);
        Graph g = new Graph("t", "x", 4, List.of(conv), "y", Map.of());
        ShapeException e = assertThrows(ShapeException.class, () -> {
            try (Plan p = Backends.get("java").compile(g, BackendOptions.defaults())) { p.run(new Tensor(1, 3, 5, 5)); }
        });
        assertTrue(e.getMessage().contains("expects 4"), e.getMessage());
        assertThrows(ShapeException.class, () -> new Graph("t", "x", 4, List.of(conv), "missing", Map.of()));
    }
}
