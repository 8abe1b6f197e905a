package adabm.quant;

import adabm.AdabmException;
import adabm.ShapeException;
import adabm.tensor.Tensor;
import java.util.*;

/**
 * The calibration pass (ADABM.md §3–§4): the float network runs over the calibration patches in batches of 16;
 * each quantized conv's input sets its activation bounds (first batch sets, later ones blend 0.9 old + 0.1 new);
 * weight bounds are set once; for AdaBM, adaptive layers' sensitivity scores give the layer offsets (p_L and
 * 100 - p_L percentiles) and patch complexities give the image thresholds (p_I and 100 - p_I, blended likewise).
 */
public final class Calibrator {
    public static final int DEFAULT_BATCH = 16, DEFAULT_P_IMAGE = 10, DEFAULT_P_LAYER = 30;
    private static final double KEEP = 0.9, TAKE = 0.1;

    /** Batch size and the image/layer percentiles p_I, p_L (supplementary Table S8b/c). */
    public record Options(int batchSize, double pImage, double pLayer) {
        public Options {
            if (batchSize < 1) throw new IllegalArgumentException("calibration batch size must be positive, got " + batchSize);
            if (!(pImage >= 0 && pImage <= 50)) throw new IllegalArgumentException("p_I must be in 0..50, got " + pImage);
            if (!(pLayer >= 0 && pLayer <= 50)) throw new IllegalArgumentException("p_L must be in 0..50, got " + pLayer);
        }

        public static Options defaults() { return new Options(DEFAULT_BATCH, DEFAULT_P_IMAGE, DEFAULT_P_LAYER); }
    }

    private Calibrator() { }

    public static CalibrationReport calibrate(FakeQuantRunner runner, List<Tensor> patches, CalibrationMethod method) {
        return calibrate(runner, patches, method, Options.defaults());
    }

    public static CalibrationReport calibrate(FakeQuantRunner runner, List<Tensor> patches, CalibrationMethod method, Options options) {
        if (patches.isEmpty()) throw new AdabmException("calibration needs at least one patch");
        long start = System.nanoTime();
        QuantModel model = runner.model();
        for (LayerQuant q : model.layers())
            if (q.kind().quantized()) q.setWeightBound(weightBound(q, method));

        Map<String, double[]> bounds = new HashMap<>();       // name -> {l, u}
        Map<String, double[]> scores = new LinkedHashMap<>(); // name -> {sum of batch s, batches}
        double[] tau = null;
        int batches = 0;
        for (int from = 0; from < patches.size(); from += options.batchSize()) {
            Tensor batch = stack(patches.subList(from, Math.min(patches.size(), from + options.batchSize())));
            boolean firstBatch = batches == 0;
            runner.runFloat(batch, new ForwardHooks() {
                @Override public void beforeConv(LayerQuant layer, Tensor x, int[] bits) {
                    if (!layer.kind().quantized()) return;
                    double[] b = batchBounds(x, method);
                    double[] old = bounds.get(layer.name());
                    bounds.put(layer.name(), firstBatch ? b : new double[] {KEEP * old[0] + TAKE * b[0], KEEP * old[1] + TAKE * b[1]});
                    if (method == CalibrationMethod.ADABM && layer.kind() == LayerKind.ADAPTIVE)
                        scores.computeIfAbsent(layer.name(), k -> new double[2])[0] += sensitivity(x);
                }
            });
            for (double[] s : scores.values()) s[1]++;
            if (method == CalibrationMethod.ADABM) {
                double[] g = ImageComplexity.ofBatch(batch);
                double lo = Percentiles.of(g, options.pImage()), hi = Percentiles.of(g, 100 - options.pImage());
                tau = firstBatch ? new double[] {lo, hi} : new double[] {KEEP * tau[0] + TAKE * lo, KEEP * tau[1] + TAKE * hi};
            }
            batches++;
        }

        for (LayerQuant q : model.layers()) {
            if (!q.kind().quantized()) continue;
            double[] b = bounds.get(q.name());
            if (!(b[0] < b[1]))
                throw new AdabmException("layer " + q.name() + ": its input is constant (" + b[0] + ") over the calibration patches;"
                        + " cannot set activation bounds");
            q.setActivationBounds((float) b[0], (float) b[1]);
            q.setLayerLogit(0);
        }
        Map<String, Double> layerScores = new LinkedHashMap<>();
        scores.forEach((n, s) -> layerScores.put(n, s[0] / s[1]));
        double sLow = Double.NaN, sHigh = Double.NaN;
        if (method == CalibrationMethod.ADABM) {
            if (!layerScores.isEmpty()) {
                double[] v = layerScores.values().stream().mapToDouble(Double::doubleValue).toArray();
                sLow = Percentiles.of(v, options.pLayer());
                sHigh = Percentiles.of(v, 100 - options.pLayer());
                for (var e : layerScores.entrySet())
                    model.layer(e.getKey()).setLayerLogit(BitMaps.offsetFromScore(e.getValue(), sLow, sHigh));
            }
            model.imageMap().enable(tau[0], tau[1]);
        } else {
            model.imageMap().disable();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new CalibrationReport(method, patches.size(), batches, seconds, layerScores, sLow, sHigh,
                tau == null ? Double.NaN : tau[0], tau == null ? Double.NaN : tau[1]);
    }

    private static float weightBound(LayerQuant q, CalibrationMethod method) {
        float[] w = q.conv().weight();
        return switch (method) {
            case ADABM -> WeightBoundSearch.search(w, q.weightBits());
            case MINMAX -> WeightBoundSearch.maxAbs(w);
            case PERCENTILE -> (float) Math.max(Math.abs(Percentiles.of(w, 0, w.length, 1)), Math.abs(Percentiles.of(w, 0, w.length, 99)));
        };
    }

    /** {l, u} of one batch's input: min/max, or the 1st/99th percentile. */
    static double[] batchBounds(Tensor x, CalibrationMethod method) {
        if (method == CalibrationMethod.PERCENTILE)
            return new double[] {Percentiles.of(x.data, 0, x.data.length, 1), Percentiles.of(x.data, 0, x.data.length, 99)};
        float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
        for (float v : x.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        return new double[] {lo, hi};
    }

    /** Mean over the batch of each sample's unbiased standard deviation over (C, H, W). */
    static double sensitivity(Tensor x) {
        int plane = x.c * x.h * x.w;
        if (plane < 2) throw new ShapeException("sensitivity needs at least 2 values per sample, got " + x.shape());
        double sum = 0;
        for (int s = 0; s < x.n; s++) {
            double mean = 0;
            for (int i = s * plane; i < (s + 1) * plane; i++) mean += x.data[i];
            mean /= plane;
            double ss = 0;
            for (int i = s * plane; i < (s + 1) * plane; i++) { double d = x.data[i] - mean; ss += d * d; }
            sum += Math.sqrt(ss / (plane - 1));
        }
        return sum / x.n;
    }

    /** Stacks [1,C,H,W] tensors of one shape into a batch. */
    public static Tensor stack(List<Tensor> items) {
        Tensor f = items.get(0);
        Tensor out = new Tensor(items.size(), f.c, f.h, f.w);
        int plane = f.c * f.h * f.w;
        for (int i = 0; i < items.size(); i++) {
            Tensor t = items.get(i);
            if (t.n != 1 || t.c != f.c || t.h != f.h || t.w != f.w)
                throw new ShapeException("calibration patch " + i + " is " + t.shape() + ", the first is " + f.shape());
            System.arraycopy(t.data, 0, out.data, i * plane, plane);
        }
        return out;
    }
}
