package adabm.io.onnx;

import static adabm.io.onnx.OnnxTestModels.*;

import adabm.io.onnx.proto.OnnxProto.ModelProto;
import java.util.List;

/** A tiny model that uses every supported op and most attribute forms; the fuzz tests mutate it byte by byte. */
final class AllOpsTestModel {
    private AllOpsTestModel() { }

    static float[] values(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = ((i * 37) % 17 - 8) * scale;
        return v;
    }

    /** Input [1,3,H,W] -> output [1,3,2H,2W]. */
    static ModelProto build() {
        return model(List.of(
                node("Sub", "sub_mean", List.of("x", "mean"), "a"),
                node("Conv", "head", List.of("a", "w1", "b1"), "b", ints("pads", 1, 1, 1, 1), ints("kernel_shape", 3, 3)),
                node("BatchNormalization", "bn", List.of("b", "gamma", "be", "m", "v"), "c", floatAttr("epsilon", 1e-5f)),
                node("PRelu", "act", List.of("c", "slope"), "d"),
                node("Pad", "pad", List.of("d", "pads"), "e", stringAttr("mode", "edge")),
                node("Conv", "body", List.of("e", "w2"), "f", intAttr("group", 4), ints("strides", 1, 1)),
                node("DepthToSpace", "shuffle", List.of("f"), "g", intAttr("blocksize", 2), stringAttr("mode", "CRD")),
                node("Resize", "up", List.of("x", "", "scales"), "h", stringAttr("mode", "nearest"),
                        stringAttr("coordinate_transformation_mode", "asymmetric"), stringAttr("nearest_mode", "floor")),
                node("Concat", "cat", List.of("g", "h"), "i", intAttr("axis", 1)),
                node("Conv", "fuse", List.of("i", "w3", "b3"), "j", stringAttr("auto_pad", "SAME_UPPER")),
                node("Add", "skip", List.of("j", "h"), "k"),
                node("LeakyRelu", "leaky", List.of("k"), "l", floatAttr("alpha", 0.1f)),
                node("Mul", "gain", List.of("l", "two"), "n"),
                node("Div", "norm", List.of("n", "div"), "o"),
                node("Identity", "out", List.of("o"), "y")),
            List.of(floats("mean", dims(1, 3, 1, 1), 100f, 110f, 120f),
                floats("w1", dims(8, 3, 3, 3), values(216, 0.01f)), floatData("b1", dims(8), values(8, 0.1f)),
                floats("gamma", dims(8), values(8, 0.2f)), floats("be", dims(8), values(8, 0.3f)),
                floats("m", dims(8), values(8, 0.05f)), floats("v", dims(8), 1, 2, 3, 4, 5, 6, 7, 8),
                floats("slope", dims(8, 1, 1), values(8, 0.02f)), int64s("pads", 0, 0, 1, 1, 0, 0, 1, 1),
                floats("w2", dims(12, 2, 3, 3), values(216, 0.03f)), floats("scales", dims(4), 1, 1, 2, 2),
                floats("w3", dims(3, 6, 1, 1), values(18, 0.1f)), floats("b3", dims(3), 1, 2, 3),
                floats("two", dims(), 2f), floats("div", dims(3, 1, 1), 2f, 4f, 8f)),
            "y").build();
    }
}
