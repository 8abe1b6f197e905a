package adabm.quant;

import adabm.ShapeException;
import adabm.tensor.Tensor;
import java.util.*;

/**
 * The calibration pass (ADABM.md §3–§4) and its per-batch statistics: the float network runs over the calibration
 * patches in batches of 16 ({@link CalibrationStats}); each quantized conv's input sets its activation bounds (first
 * batch sets, later ones blend 0.9 old + 0.1 new); weight bounds are set once; for AdaBM, adaptive layers'
 * sensitivity scores give the layer offsets (p_L and 100 - p_L percentiles) and patch complexities give the image
 * thresholds (p_I and 100 - p_I, blended likewise).
 */
public final class Calibrator {
    public static final int DEFAULT_BATCH = 16, DEFAULT_P_IMAGE = 10, DEFAULT_P_LAYER = 30;

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

    /** One float pass ({@link CalibrationStats#collect}) then {@link CalibrationStats#apply} for this method. */
    public static CalibrationReport calibrate(FakeQuantRunner runner, List<Tensor> patches, CalibrationMethod method, Options options) {
        return CalibrationStats.collect(runner, patches, options, method == CalibrationMethod.PERCENTILE).apply(runner.model(), method);
    }

    static float weightBound(LayerQuant q, CalibrationMethod method) {
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
        int chunks = (x.data.length + Parallel.CHUNK - 1) / Parallel.CHUNK;
        float[] lo = new float[chunks], hi = new float[chunks];   // min and max are exact in any order
        Parallel.each(chunks, k -> {
            float a = Float.POSITIVE_INFINITY, b = Float.NEGATIVE_INFINITY;
            for (int i = k * Parallel.CHUNK; i < Math.min(x.data.length, (k + 1) * Parallel.CHUNK); i++) { a = Math.min(a, x.data[i]); b = Math.max(b, x.data[i]); }
            lo[k] = a;
            hi[k] = b;
        });
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < chunks; k++) { min = Math.min(min, lo[k]); max = Math.max(max, hi[k]); }
        return new double[] {min, max};
    }

    /** Mean over the batch of each sample's unbiased standard deviation over (C, H, W). */
    static double sensitivity(Tensor x) {
        int plane = x.c * x.h * x.w;
        if (plane < 2) throw new ShapeException("sensitivity needs at least 2 values per sample, got " + x.shape());
        double[] std = new double[x.n];   // one sample per task, then added in sample order
        Parallel.each(x.n, s -> {
            double mean = 0;
            for (int i = s * plane; i < (s + 1) * plane; i++) mean += x.data[i];
            mean /= plane;
            double ss = 0;
            for (int i = s * plane; i < (s + 1) * plane; i++) { double d = x.data[i] - mean; ss += d * d; }
            std[s] = Math.sqrt(ss / (plane - 1));
        });
        double sum = 0;
        for (double v : std) sum += v;
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
