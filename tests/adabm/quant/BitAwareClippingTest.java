package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestGraphs;
import adabm.graph.Graph;
import adabm.tensor.Tensor;
import java.util.*;
import org.junit.jupiter.api.Test;

/** Bit-aware clipping (ADABM.md §5). */
class BitAwareClippingTest {
    @Test
    void searchFindsTheFirstLeastErrorPair() {
        Random r = new Random(1);
        float[] x = new float[2000];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.abs(r.nextGaussian());
        x[3] = 12f;                                            // an outlier sets u
        float l = 0f, u = 12f;
        for (int bits : new int[] {2, 4, 8}) {
            float[] best = BitAwareClipping.search(x, l, u, bits);
            double bestErr = Double.POSITIVE_INFINITY;
            float bl = Float.NaN, bu = Float.NaN;
            for (int i = 0; i < 100; i++) {
                float s = 1 - 0.01f * i;
                double e = 0;
                for (float v : x) { double d = v - Quantizers.activation(v, s * l, s * u, bits); e += d * d; }
                e /= x.length;
                if (e < bestErr) { bestErr = e; bl = s * l; bu = s * u; }
            }
            assertEquals(bl, best[0]);
            assertEquals(bu, best[1]);
            if (bits == 2) assertTrue(best[1] < 6, "2 bits should clip the outlier hard, got u*=" + best[1]);
        }
    }

    @Test
    void applyMovesBoundsHalfWayAndSkipsFixed8() {
        Graph g = TestGraphs.tinyEdsr(4, 2, 2, 3);
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 3, QuantMode.FQ));
        Tensor x = FakeQuantRunnerTest.randomInput(2, 8, 8, 2);
        Map<String, float[]> range = new HashMap<>();
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) {
            r.runFloat(x, new ForwardHooks() {
                @Override public void beforeConv(LayerQuant layer, Tensor input, int[] bits) {
                    float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
                    for (float v : input.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
                    range.put(layer.name(), new float[] {lo, hi});
                }
            });
        }
        for (LayerQuant q : m.layers()) {
            float[] mm = range.get(q.name());
            q.setActivationBounds(2 * mm[0] - 1, 2 * mm[1]);   // twice too wide: the search should pull them in
            q.setWeightBound(WeightBoundSearch.maxAbs(q.conv().weight()));
        }
        m.layer("body.1.conv1").setLayerLogit(1);
        Map<String, float[]> inputs = new HashMap<>();
        Map<String, float[]> before = new HashMap<>();
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) {
            // record each layer's input as the clipping pass will see it
            for (LayerQuant q : m.layers()) before.put(q.name(), new float[] {q.lower(), q.upper()});
            BitAwareClipping.apply(r, x, new ForwardHooks() {
                @Override public void beforeConv(LayerQuant layer, Tensor input, int[] bits) {
                    inputs.put(layer.name(), input.data.clone());
                }
            });
        }
        int moved = 0;
        for (LayerQuant q : m.layers()) {
            float[] b = before.get(q.name());
            if (q.kind() == LayerKind.FIXED8) {
                assertEquals(b[0], q.lower(), q.name());
                assertEquals(b[1], q.upper(), q.name());
                continue;
            }
            int bits = 3 + q.layerOffset();
            float[] best = BitAwareClipping.search(inputs.get(q.name()), b[0], b[1], bits);
            assertEquals((b[0] + best[0]) / 2, q.lower(), q.name());
            assertEquals((b[1] + best[1]) / 2, q.upper(), q.name());
            if (q.upper() < b[1]) moved++;
        }
        assertTrue(moved >= 3, "the too-wide bounds should move for most layers, moved " + moved);
    }
}
