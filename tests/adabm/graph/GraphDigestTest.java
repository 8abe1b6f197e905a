package adabm.graph;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.TestGraphs;
import adabm.io.torch.TorchModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The graph digest follows content (weights, shapes, wiring, conv names), not object identity or tensor names. */
class GraphDigestTest {
    static Graph rebuild(Graph g, java.util.function.UnaryOperator<Op> change, String name) {
        List<Op> ops = new ArrayList<>();
        for (Op op : g.ops()) ops.add(change.apply(op));
        return new Graph(name, g.input(), g.inputChannels(), ops, g.output(), Map.of());
    }

    @Test void equalContentEqualDigest_anyChangeAnotherDigest() {
        Graph g = TestGraphs.tinyEdsr(4, 2, 2, 1);
        String d = GraphDigest.of(g);
        assertTrue(d.matches("sha256:[0-9a-f]{64}"), d);
        assertEquals(d, GraphDigest.of(TestGraphs.tinyEdsr(4, 2, 2, 1)), "a separately built equal graph");
        assertEquals(d, GraphDigest.of(rebuild(g, op -> op, "renamed graph")), "graph name and metadata do not count");
        assertNotEquals(d, GraphDigest.of(TestGraphs.tinyEdsr(4, 2, 2, 2)), "other weights");
        assertNotEquals(d, GraphDigest.of(TestGraphs.tinyEdsr(4, 3, 2, 1)), "another block");

        // one weight's last bit
        Graph oneBit = rebuild(g, op -> {
            if (op instanceof Op.Conv2d c && c.name().equals("body.1.conv2")) {
                float[] w = c.weight().clone();
                w[7] = Math.nextUp(w[7]);
                return adabm.backend.ref.JavaConvKernels.withWeight(c, w);
            }
            return op;
        }, g.name());
        assertNotEquals(d, GraphDigest.of(oneBit));
        // a conv renamed (artifacts refer to convs by name)
        Graph renamed = rebuild(g, op -> op instanceof Op.Conv2d c && c.name().equals("tail.1")
                ? new Op.Conv2d("tail.9", c.input(), c.output(), c.inChannels(), c.outChannels(), c.kernelH(), c.kernelW(),
                        c.padTop(), c.padLeft(), c.padBottom(), c.padRight(), c.groups(), c.weight(), c.bias()) : op, g.name());
        assertNotEquals(d, GraphDigest.of(renamed));
        // a relu renamed: not part of the digest
        Graph relu = rebuild(g, op -> op instanceof Op.Relu r ? new Op.Relu(r.name() + "_x", r.input(), r.output()) : op, g.name());
        assertEquals(d, GraphDigest.of(relu));
        // padding changed
        Graph pad = rebuild(g, op -> op instanceof Op.DepthToSpace s ? new Op.DepthToSpace(s.name(), s.input(), s.output(), s.block(),
                Op.ShuffleOrder.DCR) : op, g.name());
        assertNotEquals(d, GraphDigest.of(pad), "pixel-shuffle order");
        // wiring: the skip adds the first block's output instead of the head
        Graph rewired = rebuild(g, op -> op instanceof Op.Add a && a.name().equals("body.skip") ? new Op.Add(a.name(), a.a(), "b0", a.output()) : op, g.name());
        assertNotEquals(d, GraphDigest.of(rewired));
    }

    /** Two checkpoint layouts of EDSR-8 build the same graph; the ONNX export has one op less (a folded mean shift). */
    @Test void sameNetworkFromTwoCheckpointLayoutsMatches() throws Exception {
        Graph pt = adabm.io.ModelLoader.load(TestData.model("edsr_baseline8_x2.pt"), OptionalInt.empty());
        Graph adabmLayout = adabm.io.ModelLoader.load(TestData.model("edsr_baseline8_x2_adabm_layout.pt"), OptionalInt.empty());
        Graph onnx = adabm.io.ModelLoader.load(TestData.model("edsr_baseline8_x2.onnx"), OptionalInt.empty());
        assertEquals(GraphDigest.of(pt), GraphDigest.of(adabmLayout));
        assertNotEquals(pt.ops().size(), onnx.ops().size());
        assertNotEquals(GraphDigest.of(pt), GraphDigest.of(onnx));
    }

    @Test void carnMAtTwoScalesDiffers() {
        Graph x2 = TorchModels.load(TestData.model("carn_m.pth"), OptionalInt.of(2));
        Graph x4 = TorchModels.load(TestData.model("carn_m.pth"), OptionalInt.of(4));
        assertNotEquals(GraphDigest.of(x2), GraphDigest.of(x4));
        assertEquals(GraphDigest.of(x4), GraphDigest.of(TorchModels.load(TestData.model("carn_m.pth"), OptionalInt.of(4))));
    }
}
