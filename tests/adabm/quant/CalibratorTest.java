package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;

import adabm.AdabmException;
import adabm.TestData;
import adabm.TestGraphs;
import adabm.graph.Graph;
import adabm.io.torch.TorchModels;
import adabm.tensor.Tensor;
import java.util.*;
import org.junit.jupiter.api.Test;

/**
 * The calibration pass (ADABM.md §3–§4) against statistics recomputed independently from recorded float inputs:
 * per-batch min/max or percentiles, the 0.9/0.1 blend, sensitivity, thresholds and layer offsets.
 */
class CalibratorTest {
    static List<Tensor> patches(int count, int size, long seed) {
        return CalibrationPatches.sample(TestData.dataset("Kodak24/LR_bicubic/X4"), count, size, seed);
    }

    /** Each batch's float input of every conv, recorded with a plain float forward. */
    static List<Map<String, Tensor>> recordInputs(QuantModel m, List<Tensor> patches, int batchSize) {
        List<Map<String, Tensor>> out = new ArrayList<>();
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) {
            for (int from = 0; from < patches.size(); from += batchSize) {
                Map<String, Tensor> rec = new HashMap<>();
                r.runFloat(Calibrator.stack(patches.subList(from, Math.min(patches.size(), from + batchSize))), new ForwardHooks() {
                    @Override public void beforeConv(LayerQuant layer, Tensor input, int[] bits) { rec.put(layer.name(), input); }
                });
                out.add(rec);
            }
        }
        return out;
    }

    static double unbiasedStdMean(Tensor x) {
        int plane = x.c * x.h * x.w;
        double total = 0;
        for (int s = 0; s < x.n; s++) {
            double sum = 0, sq = 0;
            for (int i = 0; i < plane; i++) sum += x.data[s * plane + i];
            double mean = sum / plane;
            for (int i = 0; i < plane; i++) sq += Math.pow(x.data[s * plane + i] - mean, 2);
            total += Math.sqrt(sq / (plane - 1));
        }
        return total / x.n;
    }

    @Test
    void sensitivityIsTheMeanUnbiasedStd() {
        Tensor x = new Tensor(2, 1, 1, 3, new float[] {1, 2, 3, 0, 0, 6});
        assertEquals((1 + Math.sqrt(12)) / 2, Calibrator.sensitivity(x), 1e-12);
    }

    @Test
    void minMaxAndPercentileBoundsBlendPerBatch() {
        Graph g = TestGraphs.tinyEdsr(4, 2, 2, 21);
        List<Tensor> ps = patches(10, 16, 3);
        Calibrator.Options opt = new Calibrator.Options(4, 10, 30);   // batches of 4, 4, 2
        for (CalibrationMethod method : new CalibrationMethod[] {CalibrationMethod.MINMAX, CalibrationMethod.PERCENTILE}) {
            QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
            List<Map<String, Tensor>> rec = recordInputs(m, ps, 4);
            CalibrationReport rep;
            try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) { rep = Calibrator.calibrate(r, ps, method, opt); }
            assertEquals(3, rep.batches());
            for (LayerQuant q : m.layers()) {
                double l = 0, u = 0;
                for (int b = 0; b < rec.size(); b++) {
                    float[] d = rec.get(b).get(q.name()).data;
                    double lb, ub;
                    if (method == CalibrationMethod.MINMAX) {
                        lb = Double.MAX_VALUE; ub = -Double.MAX_VALUE;
                        for (float v : d) { lb = Math.min(lb, v); ub = Math.max(ub, v); }
                    } else {
                        double[] dd = new double[d.length];
                        for (int i = 0; i < d.length; i++) dd[i] = d[i];
                        lb = Percentiles.of(dd, 1); ub = Percentiles.of(dd, 99);
                    }
                    l = b == 0 ? lb : 0.9 * l + 0.1 * lb;
                    u = b == 0 ? ub : 0.9 * u + 0.1 * ub;
                }
                assertEquals((float) l, q.lower(), 1e-5f * Math.max(1, Math.abs(q.lower())), method + " " + q.name());
                assertEquals((float) u, q.upper(), 1e-5f * Math.max(1, Math.abs(q.upper())), method + " " + q.name());
                float[] w = q.conv().weight();
                float expectedUw = method == CalibrationMethod.MINMAX ? WeightBoundSearch.maxAbs(w)
                        : (float) Math.max(Math.abs(Percentiles.of(w, 0, w.length, 1)), Math.abs(Percentiles.of(w, 0, w.length, 99)));
                assertEquals(expectedUw, q.weightBound(), q.name());
                assertEquals(0, q.layerOffset());
            }
            assertFalse(m.imageMap().enabled(), "baselines have no image map");
            assertTrue(rep.layerScores().isEmpty());
        }
    }

    @Test
    void adabmScoresThresholdsAndOffsets() {
        Graph g = TestGraphs.tinyEdsr(4, 3, 2, 22);
        List<Tensor> ps = patches(12, 16, 4);
        Calibrator.Options opt = new Calibrator.Options(5, 10, 30);   // batches of 5, 5, 2
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
        List<Map<String, Tensor>> rec = recordInputs(m, ps, 5);
        CalibrationReport rep;
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) { rep = Calibrator.calibrate(r, ps, CalibrationMethod.ADABM, opt); }

        List<LayerQuant> adaptive = m.layersOfKind(LayerKind.ADAPTIVE);
        assertEquals(7, adaptive.size(), "3 blocks x 2 + body.3");
        double[] scores = new double[adaptive.size()];
        for (int k = 0; k < adaptive.size(); k++) {
            LayerQuant q = adaptive.get(k);
            double s = 0;
            for (Map<String, Tensor> b : rec) s += unbiasedStdMean(b.get(q.name()));
            scores[k] = s / rec.size();
            assertEquals(scores[k], rep.layerScores().get(q.name()), 1e-9 * scores[k], q.name());
        }
        double p30 = Percentiles.of(scores, 30), p70 = Percentiles.of(scores, 70);
        int minus = 0, plus = 0;
        for (int k = 0; k < adaptive.size(); k++) {
            int expected = scores[k] < p30 ? -1 : scores[k] > p70 ? 1 : 0;
            assertEquals(expected, adaptive.get(k).layerOffset(), adaptive.get(k).name());
            minus += expected < 0 ? 1 : 0;
            plus += expected > 0 ? 1 : 0;
        }
        assertEquals(2, minus, "7 distinct scores: 2 below p30");
        assertEquals(2, plus, "2 above p70");
        for (LayerQuant q : m.layers()) {
            assertEquals(WeightBoundSearch.search(q.conv().weight(), q.weightBits()), q.weightBound(), q.name());
            if (!adaptive.contains(q)) assertEquals(0, q.layerOffset());
        }

        double tl = 0, tu = 0;
        for (int b = 0; b * 5 < ps.size(); b++) {
            double[] gs = new double[Math.min(5, ps.size() - b * 5)];
            for (int i = 0; i < gs.length; i++) gs[i] = ImageComplexity.of(ps.get(b * 5 + i), 0);
            double lo = Percentiles.of(gs, 10), hi = Percentiles.of(gs, 90);
            tl = b == 0 ? lo : 0.9 * tl + 0.1 * lo;
            tu = b == 0 ? hi : 0.9 * tu + 0.1 * hi;
        }
        assertTrue(m.imageMap().enabled());
        assertEquals(tl, m.imageMap().tauLow(), 1e-9);
        assertEquals(tu, m.imageMap().tauHigh(), 1e-9);
        assertTrue(tl < tu);
    }

    @Test
    void oneStatisticsPassServesEveryMethodAndMode() {
        Graph g = TestGraphs.tinyEdsr(4, 2, 2, 24);
        List<Tensor> ps = patches(6, 16, 5);
        Calibrator.Options opt = new Calibrator.Options(4, 10, 30);
        QuantModel any = QuantModel.create(g, new QuantSpec(8, 8, QuantMode.FQ));
        CalibrationStats stats;
        try (FakeQuantRunner r = new FakeQuantRunner(any, 1)) { stats = CalibrationStats.collect(r, ps, opt, true); }
        assertEquals(2, stats.batches());
        for (QuantSpec spec : new QuantSpec[] {new QuantSpec(4, 4, QuantMode.FQ), new QuantSpec(8, 6, QuantMode.BODY)})
            for (CalibrationMethod method : CalibrationMethod.values()) {
                QuantModel shared = QuantModel.create(g, spec), alone = QuantModel.create(g, spec);
                stats.apply(shared, method);
                try (FakeQuantRunner r = new FakeQuantRunner(alone, 1)) { Calibrator.calibrate(r, ps, method, opt); }
                assertEquals(alone.layers().toString(), shared.layers().toString(), spec + " " + method);
                assertEquals(alone.imageMap().enabled(), shared.imageMap().enabled());
                assertEquals(alone.imageMap().tauLow(), shared.imageMap().tauLow());
            }
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) {
            CalibrationStats noPct = CalibrationStats.collect(r, ps, opt, false);
            assertThrows(IllegalStateException.class, () -> noPct.apply(m, CalibrationMethod.PERCENTILE));
        }
    }

    @Test
    void sameSeedSameCalibration() {
        Graph g = TorchModels.load(TestData.model("synthetic/srresnet_small_x4.pt"), OptionalInt.empty());
        List<String> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
            try (FakeQuantRunner r = new FakeQuantRunner(m, 2)) {
                CalibrationReport rep = Calibrator.calibrate(r, patches(20, 24, 9), CalibrationMethod.ADABM);
                StringBuilder sb = new StringBuilder(rep.layerScores() + " " + rep.tauLow() + " " + rep.tauHigh());
                for (LayerQuant q : m.layers()) sb.append('\n').append(q);
                runs.add(sb.toString());
            }
        }
        assertEquals(runs.get(0), runs.get(1));
        assertFalse(runs.get(0).contains("NaN"), runs.get(0));
    }

    @Test
    void floatLayersStayUncalibrated_andConstantInputsAreAnError() {
        Graph g = TestGraphs.tinyEdsr(4, 1, 2, 23);
        QuantModel m = QuantModel.create(g, new QuantSpec(8, 6, QuantMode.BODY));
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) { Calibrator.calibrate(r, patches(3, 12, 1), CalibrationMethod.ADABM); }
        assertFalse(m.layer("head.0").calibrated());
        assertFalse(m.layer("tail.1").calibrated());
        assertTrue(m.layer("body.0.conv1").calibrated());

        QuantModel flat = QuantModel.create(g, new QuantSpec(8, 6, QuantMode.FQ));
        Tensor grey = new Tensor(1, 3, 12, 12);
        float[] mean = {114f, 111f, 103f};   // tinyEdsr's mean shift: the head conv sees all zeros
        for (int c = 0; c < 3; c++) Arrays.fill(grey.data, c * 144, (c + 1) * 144, mean[c]);
        try (FakeQuantRunner r = new FakeQuantRunner(flat, 1)) {
            AdabmException e = assertThrows(AdabmException.class, () -> Calibrator.calibrate(r, List.of(grey), CalibrationMethod.MINMAX));
            assertTrue(e.getMessage().contains("head.0") && e.getMessage().contains("constant"), e.getMessage());
            assertThrows(AdabmException.class, () -> Calibrator.calibrate(r, List.of(), CalibrationMethod.MINMAX));
        }
        assertThrows(IllegalArgumentException.class, () -> new Calibrator.Options(0, 10, 30));
        assertThrows(IllegalArgumentException.class, () -> new Calibrator.Options(16, 60, 30));
    }
}
