package adabm.io.onnx;

import static adabm.io.onnx.OnnxTestModels.*;
import static org.junit.jupiter.api.Assertions.*;

import adabm.ModelFormatException;
import adabm.UnsupportedOpException;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import org.junit.jupiter.api.Test;

/** Add/Sub/Mul/Div with constants, activations and Identity, against hand-computed element formulas. */
class ElementwiseImportTest {
    static final float[] PER_CHANNEL = {2f, -0.5f, 4f};

    /** Imports "x op c" (or "c op x") and checks y[c,i] = f(x[c,i], constant[c]) for every element. */
    static void checkConstantOp(String op, boolean constantFirst, long[] dims, float[] values, DoubleBinaryOperator f) {
        List<String> in = constantFirst ? List.of("k", "x") : List.of("x", "k");
        Graph g = load(model(List.of(node(op, "e", in, "y")), List.of(floats("k", dims, values)), "y"));
        assertEquals(1, g.ops().size());
        assertInstanceOf(Op.Affine.class, g.ops().get(0), op + " with a constant becomes Affine");
        Tensor x = ramp(2, 3), y = run(g, x);
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < 6; i++) {
                double k = values.length == 1 ? values[0] : values[c];
                double xv = x.data[c * 6 + i];
                double expected = constantFirst ? f.applyAsDouble(k, xv) : f.applyAsDouble(xv, k);
                assertEquals(expected, y.data[c * 6 + i], 1e-6 * Math.max(1, Math.abs(expected)), op + " c" + c + " i" + i);
            }
    }

    @Test void subtractPerChannelMeanLikeTheModels() { checkConstantOp("Sub", false, dims(1, 3, 1, 1), PER_CHANNEL, (a, b) -> a - b); }
    @Test void subtractFromConstant() { checkConstantOp("Sub", true, dims(3, 1, 1), PER_CHANNEL, (a, b) -> a - b); }
    @Test void addScalarEitherSide() {
        checkConstantOp("Add", false, dims(), new float[] {1.5f}, Double::sum);
        checkConstantOp("Add", true, dims(1), new float[] {-2f}, Double::sum);
    }
    @Test void multiplyPerChannelAndScalar() {
        checkConstantOp("Mul", false, dims(1, 3, 1, 1), PER_CHANNEL, (a, b) -> a * b);
        checkConstantOp("Mul", true, dims(1, 1, 1, 1), new float[] {255f}, (a, b) -> a * b);
    }
    @Test void divideByConstant() {
        checkConstantOp("Div", false, dims(3, 1, 1), PER_CHANNEL, (a, b) -> a / b);
        checkConstantOp("Div", false, dims(), new float[] {255f}, (a, b) -> a / b);
    }

    @Test void constantsThatDoNotBroadcastPerChannelAreRejected() {
        // [3] broadcasts along the width in ONNX, [1,3,2,1] varies along the height: neither is per-channel
        for (long[] d : List.of(dims(3), dims(1, 3, 2, 1), dims(1, 1, 3, 1, 1))) {
            int n = (int) Initializers.elementCount(d);
            var e = assertThrows(UnsupportedOpException.class, () -> load(model(List.of(node("Mul", "m", List.of("x", "k"), "y")),
                    List.of(floats("k", d, new float[n])), "y")));
            assertTrue(e.getMessage().startsWith("test.onnx: node 'm' (Mul): constant 'k' has dims"), e.getMessage());
        }
    }

    @Test void tensorTensorAddSubAndUnsupportedMulDiv() {
        Graph g = load(model(List.of(node("Relu", "r", List.of("x"), "a"), node("Sub", "s", List.of("x", "a"), "b"),
                node("Add", "p", List.of("b", "x"), "y")), List.of(), "y"));
        assertEquals(List.of(Op.Relu.class, Op.Sub.class, Op.Add.class), g.ops().stream().map(Object::getClass).toList());
        Tensor x = ramp(2, 2), y = run(g, x);
        for (int i = 0; i < y.data.length; i++) assertEquals(x.data[i] - Math.max(0, x.data[i]) + x.data[i], y.data[i], 0f);
        for (String op : List.of("Mul", "Div"))
            assertThrows(UnsupportedOpException.class, () -> load(model(List.of(node("Relu", "r", List.of("x"), "a"),
                    node(op, "m", List.of("x", "a"), "y")), List.of(), "y")));
    }

    @Test void divisionByZeroAndConstantOnlyAreRejected() {
        var e = assertThrows(ModelFormatException.class, () -> load(model(List.of(node("Div", "d", List.of("x", "k"), "y")),
                List.of(floats("k", dims(1, 3, 1, 1), 1, 0, 2)), "y")));
        assertTrue(e.getMessage().contains("divisor 'k' has a zero at index 1"), e.getMessage());
        assertThrows(UnsupportedOpException.class, () -> load(model(List.of(node("Add", "a", List.of("k", "k"), "y")),
                List.of(floats("k", dims(1), 1)), "y")));
        assertThrows(UnsupportedOpException.class, () -> load(model(List.of(node("Div", "d", List.of("k", "x"), "y")),
                List.of(floats("k", dims(1), 1)), "y")));
    }

    @Test void activationsMatchDefinitions() {
        Graph g = load(model(List.of(node("PRelu", "p1", List.of("x", "s3"), "a"), node("PRelu", "p2", List.of("a", "s1"), "b"),
                        node("PRelu", "p3", List.of("b", "s0"), "c"), node("LeakyRelu", "l", List.of("c"), "y", floatAttr("alpha", 0.2f))),
                List.of(floats("s3", dims(3, 1, 1), 0.5f, -1f, 2f), floats("s1", dims(1), 0.5f), floats("s0", dims(), 3f)), "y"));
        Tensor x = ramp(2, 3), y = run(g, x);
        float[] s3 = {0.5f, -1f, 2f};
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < 6; i++) {
                double v = x.data[c * 6 + i];
                for (double slope : new double[] {s3[c], 0.5, 3}) v = v >= 0 ? v : slope * v;
                v = v >= 0 ? v : 0.2 * v;
                assertEquals(v, y.data[c * 6 + i], 1e-5 * Math.max(1, Math.abs(v)));
            }
        Graph dflt = load(model(List.of(node("LeakyRelu", "l", List.of("x"), "y")), List.of(), "y"));
        assertEquals(0.01f, ((Op.LeakyRelu) dflt.ops().get(0)).alpha(), "ONNX default alpha");
        assertThrows(UnsupportedOpException.class, () -> load(model(List.of(node("PRelu", "p", List.of("x", "s")
                , "y")), List.of(floats("s", dims(3), 1, 2, 3)), "y")), "[C] slope broadcasts along W in ONNX");
    }

    @Test void identityIsAnAliasIncludingForTheOutputAndConstants() {
        Graph g = load(model(List.of(node("Identity", "i1", List.of("x"), "a"), node("Identity", "i0", List.of("k"), "kk"),
                node("Mul", "m", List.of("a", "kk"), "b"), node("Identity", "i2", List.of("b"), "y")),
                List.of(floats("k", dims(), 2f)), "y"));
        assertEquals(1, g.ops().size());
        assertEquals("x", g.ops().get(0).inputs().get(0));
        assertEquals("b", g.output());
        Tensor x = ramp(2, 2);
        assertEquals(2 * x.data[5], run(g, x).data[5], 0f);
    }
}
