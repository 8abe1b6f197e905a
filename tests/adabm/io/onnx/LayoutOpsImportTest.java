package adabm.io.onnx;

import static adabm.io.onnx.OnnxTestModels.*;
import static org.junit.jupiter.api.Assertions.*;

import adabm.ModelFormatException;
import adabm.UnsupportedOpException;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.io.onnx.proto.OnnxProto.AttributeProto;
import adabm.io.onnx.proto.OnnxProto.NodeProto;
import adabm.io.onnx.proto.OnnxProto.TensorProto;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pad, DepthToSpace, Resize/Upsample and Concat: index formulas from the ONNX operator spec, checked per element. */
class LayoutOpsImportTest {
    @Test void constantPadWithValueInputMatchesSpec() {
        Graph g = load(model(List.of(node("Pad", "pad", List.of("x", "p", "v"), "y")),
                List.of(int64s("p", 0, 0, 1, 2, 0, 0, 3, 0), floats("v", dims(), 2.5f)), "y"));
        Tensor x = ramp(2, 3), y = run(g, x);
        assertEquals("[1,3,6,5]", y.shape(), "h + 1 + 3, w + 2 + 0");
        for (int c = 0; c < 3; c++)
            for (int yy = 0; yy < 6; yy++)
                for (int xx = 0; xx < 5; xx++) {
                    int sy = yy - 1, sx = xx - 2;
                    float expected = sy >= 0 && sy < 2 && sx >= 0 && sx < 3 ? x.get(0, c, sy, sx) : 2.5f;
                    assertEquals(expected, y.get(0, c, yy, xx), 0f);
                }
    }

    @Test void edgePadReplicatesBorder() {
        Graph g = load(model(List.of(node("Pad", "pad", List.of("x", "p"), "y", stringAttr("mode", "edge"))),
                List.of(int64s("p", 0, 0, 2, 2, 0, 0, 2, 2)), "y"));
        Tensor x = ramp(3, 2), y = run(g, x);
        assertEquals("[1,3,7,6]", y.shape());
        for (int c = 0; c < 3; c++)
            for (int yy = 0; yy < 7; yy++)
                for (int xx = 0; xx < 6; xx++)
                    assertEquals(x.get(0, c, Math.clamp(yy - 2, 0, 2), Math.clamp(xx - 2, 0, 1)), y.get(0, c, yy, xx), 0f);
    }

    @Test void padAttributeFormAndDefaults() {
        Graph g = load(model(List.of(node("Pad", "pad", List.of("x"), "y", ints("pads", 0, 0, 1, 0, 0, 0, 0, 1))), List.of(), "y"));
        Op.Pad p = (Op.Pad) g.ops().get(0);
        assertEquals(List.of(1, 0, 0, 1), List.of(p.top(), p.left(), p.bottom(), p.right()));
        assertEquals(Op.PadMode.CONSTANT, p.mode());
        assertEquals(0f, p.value());
    }

    @Test void unsupportedPadsAreRejected() {
        record Bad(String mode, long[] pads) { }
        for (Bad b : List.of(new Bad("reflect", new long[] {0, 0, 1, 1, 0, 0, 1, 1}), new Bad("constant", new long[] {0, 1, 0, 0, 0, 0, 0, 0}),
                new Bad("constant", new long[] {0, 0, -1, 0, 0, 0, 0, 0}), new Bad("edge", new long[] {0, 1, 0, 1}))) {
            var e = assertThrows(UnsupportedOpException.class, () -> load(model(List.of(node("Pad", "pad", List.of("x", "p"), "y",
                    stringAttr("mode", b.mode()))), List.of(int64s("p", b.pads())), "y")));
            assertTrue(e.getMessage().startsWith("test.onnx: node 'pad' (Pad): "), e.getMessage());
        }
    }

    /** 1x1 conv 3 -> 12 channels making channel k = (k + 1) * x[k % 3], so every source channel is identifiable. */
    static List<NodeProto> expandThenShuffle(AttributeProto... d2sAttrs) {
        return List.of(node("Conv", "expand", List.of("x", "w"), "e"), node("DepthToSpace", "shuffle", List.of("e"), "y", d2sAttrs));
    }

    static TensorProto expandWeights() {
        float[] w = new float[12 * 3];
        for (int k = 0; k < 12; k++) w[k * 3 + k % 3] = k + 1;
        return floats("w", dims(12, 3, 1, 1), w);
    }

    @Test void depthToSpaceModesFollowSpecFormulas() {
        Tensor x = ramp(2, 3);
        for (String mode : List.of("DCR", "CRD", "")) {
            List<AttributeProto> attrs = new ArrayList<>(List.of(intAttr("blocksize", 2)));
            if (!mode.isEmpty()) attrs.add(stringAttr("mode", mode));
            Graph g = load(model(expandThenShuffle(attrs.toArray(AttributeProto[]::new)), List.of(expandWeights()), "y"));
            Tensor y = run(g, x);
            assertEquals("[1,3,4,6]", y.shape());
            for (int c = 0; c < 3; c++)
                for (int h = 0; h < 2; h++)
                    for (int w = 0; w < 3; w++)
                        for (int i = 0; i < 2; i++)
                            for (int j = 0; j < 2; j++) {
                                // ONNX spec: DCR reshapes to [b, b, C, H, W]; CRD to [C, b, b, H, W]
                                int k = mode.equals("CRD") ? c * 4 + i * 2 + j : (i * 2 + j) * 3 + c;
                                assertEquals((k + 1) * x.get(0, k % 3, h, w), y.get(0, c, h * 2 + i, w * 2 + j), 0f, mode + " default DCR");
                            }
        }
        assertThrows(ModelFormatException.class, () -> load(model(expandThenShuffle(), List.of(expandWeights()), "y")), "blocksize is required");
    }

    static Graph resize(String transform, String rounding, float... scales) {
        List<AttributeProto> attrs = new ArrayList<>(List.of(stringAttr("mode", "nearest")));
        if (transform != null) attrs.add(stringAttr("coordinate_transformation_mode", transform));
        if (rounding != null) attrs.add(stringAttr("nearest_mode", rounding));
        return load(model(List.of(node("Resize", "up", List.of("x", "", "s"), "y", attrs.toArray(AttributeProto[]::new))),
                List.of(floats("s", dims(scales.length), scales)), "y"));
    }

    @Test void resizeReplicationVariantsAreAccepted() {
        Tensor x = ramp(2, 3);
        Tensor y = run(resize("asymmetric", "floor", 1, 1, 3, 3), x);   // the models' form
        assertEquals("[1,3,6,9]", y.shape());
        for (int c = 0; c < 3; c++)
            for (int yy = 0; yy < 6; yy++)
                for (int xx = 0; xx < 9; xx++) assertEquals(x.get(0, c, yy / 3, xx / 3), y.get(0, c, yy, xx), 0f);
        // half_pixel + rounding (the ONNX defaults) maps y to (y+0.5)/s-0.5, within 0.5 of y/s: replication for any s
        assertEquals(4, ((Op.ResizeNearest) resize(null, null, 1, 1, 4, 4).ops().get(0)).scale());
        assertEquals(3, ((Op.ResizeNearest) resize("pytorch_half_pixel", "round_prefer_ceil", 1, 1, 3, 3).ops().get(0)).scale());
        // asymmetric + round_prefer_floor: y/2 rounds ties down, so still replication at s = 2
        assertEquals(2, ((Op.ResizeNearest) resize("asymmetric", "round_prefer_floor", 1, 1, 2, 2).ops().get(0)).scale());
        assertEquals(2, ((Op.ResizeNearest) resize("tf_half_pixel_for_nearest", "floor", 1, 1, 2, 2).ops().get(0)).scale());
        // align_corners at s = 2 maps y to y(n-1)/(2n-1) = y/2 - y/(2(2n-1)), which rounds to y div 2 for every n
        assertEquals(2, ((Op.ResizeNearest) resize("align_corners", "round_prefer_floor", 1, 1, 2, 2).ops().get(0)).scale());
    }

    @Test void resizeThatIsNotReplicationIsRejected() {
        // asymmetric + round at s = 3: output 2 maps to round(0.67) = 1, replication wants 0
        var e = assertThrows(UnsupportedOpException.class, () -> resize("asymmetric", "round_prefer_floor", 1, 1, 3, 3));
        assertTrue(e.getMessage().startsWith("test.onnx: node 'up' (Resize): coordinate_transformation_mode 'asymmetric'"), e.getMessage());
        assertThrows(UnsupportedOpException.class, () -> resize("half_pixel", "floor", 1, 1, 2, 2));
        assertThrows(UnsupportedOpException.class, () -> resize("align_corners", "round_prefer_floor", 1, 1, 3, 3));
        assertThrows(UnsupportedOpException.class, () -> resize("asymmetric", "floor", 1, 1, 1.5f, 1.5f));
        assertThrows(UnsupportedOpException.class, () -> resize("asymmetric", "floor", 1, 1, 2, 3));
        assertThrows(UnsupportedOpException.class, () -> resize("asymmetric", "floor", 1, 2, 2, 2));
        assertThrows(ModelFormatException.class, () -> resize("sideways", "floor", 1, 1, 2, 2));
        assertThrows(UnsupportedOpException.class, () -> load(model(List.of(node("Resize", "up", List.of("x", "", "s"), "y",
                stringAttr("mode", "linear"))), List.of(floats("s", dims(4), 1, 1, 2, 2)), "y")));
        assertThrows(UnsupportedOpException.class, () -> load(model(List.of(node("Resize", "up", List.of("x", "", "", "sz"), "y")),
                List.of(int64s("sz", 1, 3, 8, 8)), "y")), "sizes");
    }

    @Test void legacyUpsampleIsReplication() {
        Graph g = load(model(List.of(node("Upsample", "up", List.of("x", "s"), "y")), List.of(floats("s", dims(4), 1, 1, 2, 2)), "y"));
        assertEquals(2, ((Op.ResizeNearest) g.ops().get(0)).scale());
    }

    @Test void concatAlongChannelsOnly() {
        for (long axis : new long[] {1, -3}) {
            Graph g = load(model(List.of(node("Relu", "r", List.of("x"), "a"), node("Concat", "cat", List.of("x", "a", "x"), "y", intAttr("axis", axis))),
                    List.of(), "y"));
            Tensor x = ramp(2, 2), y = run(g, x);
            assertEquals("[1,9,2,2]", y.shape());
            for (int i = 0; i < 12; i++) {
                assertEquals(x.data[i], y.data[i], 0f);
                assertEquals(Math.max(0, x.data[i]), y.data[12 + i], 0f);
                assertEquals(x.data[i], y.data[24 + i], 0f);
            }
        }
        assertThrows(UnsupportedOpException.class, () -> load(model(List.of(node("Concat", "cat", List.of("x", "x"), "y", intAttr("axis", 2))), List.of(), "y")));
        assertThrows(ModelFormatException.class, () -> load(model(List.of(node("Concat", "cat", List.of("x", "x"), "y")), List.of(), "y")));
    }
}
