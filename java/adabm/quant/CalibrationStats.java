package adabm.quant;

import adabm.AdabmException;
import adabm.tensor.Tensor;
import java.util.*;

/**
 * What one float pass over the calibration patches (ADABM.md §3) measures, for every conv of the graph whatever
 * its kind, so one pass serves several methods, modes and bit widths of the same network: per conv, the blended
 * min/max (and optionally 1st/99th percentile) of its input and its sensitivity score; the blended image
 * thresholds at p_I / 100 - p_I. Batches hold {@code options.batchSize()} patches; the first batch sets a statistic,
 * later ones blend 0.9 old + 0.1 new.
 */
public final class CalibrationStats {
    private static final double KEEP = 0.9, TAKE = 0.1;

    private final Map<String, double[]> minMax = new LinkedHashMap<>();
    private final Map<String, double[]> percentile = new LinkedHashMap<>();
    private final Map<String, double[]> scoreSums = new LinkedHashMap<>();   // {sum over batches, batches}
    private double[] tau;
    private int batches, patches;
    private double seconds;
    private final Calibrator.Options options;
    private final boolean withPercentiles;

    private CalibrationStats(Calibrator.Options options, boolean withPercentiles) {
        this.options = options;
        this.withPercentiles = withPercentiles;
    }

    /**
     * Patches per float forward when no percentiles are wanted: a batch's min/max and mean sensitivity merge exactly
     * from its parts, and small parts keep the activations below the JVM's humongous-object size (a 16-patch batch
     * of 64 channels at 96x96 is 38 MB per tensor, which made the heap grow to its limit before each collection).
     */
    static final int PART = 2;

    /** Runs the float network over the patches; {@code withPercentiles} adds the (slower) percentile bounds. */
    public static CalibrationStats collect(FakeQuantRunner runner, List<Tensor> patches, Calibrator.Options options, boolean withPercentiles) {
        if (patches.isEmpty()) throw new AdabmException("calibration needs at least one patch");
        long start = System.nanoTime();
        CalibrationStats s = new CalibrationStats(options, withPercentiles);
        int part = withPercentiles ? options.batchSize() : Math.min(PART, options.batchSize());   // percentiles need the whole batch
        for (int from = 0; from < patches.size(); from += options.batchSize()) {
            int to = Math.min(patches.size(), from + options.batchSize());
            boolean first = s.batches == 0;
            Map<String, double[]> bounds = new LinkedHashMap<>();       // this batch's min/max per conv
            Map<String, double[]> percentiles = new LinkedHashMap<>();
            Map<String, Double> sensitivity = new LinkedHashMap<>();    // sum over the batch's samples
            for (int p = from; p < to; p += part) {
                Tensor x0 = Calibrator.stack(patches.subList(p, Math.min(to, p + part)));
                runner.runFloat(x0, new ForwardHooks() {
                    @Override public void beforeConv(LayerQuant layer, Tensor x, int[] bits) {
                        double[] b = Calibrator.batchBounds(x, CalibrationMethod.MINMAX);
                        bounds.merge(layer.name(), b, (o, n) -> new double[] {Math.min(o[0], n[0]), Math.max(o[1], n[1])});
                        if (withPercentiles) percentiles.put(layer.name(), Calibrator.batchBounds(x, CalibrationMethod.PERCENTILE));
                        sensitivity.merge(layer.name(), Calibrator.sensitivity(x) * x.n, Double::sum);
                    }
                });
            }
            int n = to - from;
            for (var e : bounds.entrySet()) {
                blend(s.minMax, e.getKey(), e.getValue(), first);
                if (withPercentiles) blend(s.percentile, e.getKey(), percentiles.get(e.getKey()), first);
                double[] sc = s.scoreSums.computeIfAbsent(e.getKey(), k -> new double[2]);
                sc[0] += sensitivity.get(e.getKey()) / n;
                sc[1]++;
            }
            double[] g = ImageComplexity.ofBatch(Calibrator.stack(patches.subList(from, to)));
            double[] t = {Percentiles.of(g, options.pImage()), Percentiles.of(g, 100 - options.pImage())};
            s.tau = first ? t : new double[] {KEEP * s.tau[0] + TAKE * t[0], KEEP * s.tau[1] + TAKE * t[1]};
            s.batches++;
        }
        s.patches = patches.size();
        s.seconds = (System.nanoTime() - start) / 1e9;
        return s;
    }

    private static void blend(Map<String, double[]> into, String name, double[] batch, boolean first) {
        double[] old = into.get(name);
        into.put(name, first ? batch : new double[] {KEEP * old[0] + TAKE * batch[0], KEEP * old[1] + TAKE * batch[1]});
    }

    public int batches() { return batches; }
    public double seconds() { return seconds; }
    public double tauLow() { return tau[0]; }
    public double tauHigh() { return tau[1]; }

    /** Blended {l, u} of a conv's input: min/max, or the 1st/99th percentile. */
    public double[] bounds(String conv, CalibrationMethod method) {
        Map<String, double[]> m = method == CalibrationMethod.PERCENTILE ? percentile : minMax;
        if (method == CalibrationMethod.PERCENTILE && !withPercentiles)
            throw new IllegalStateException("these statistics were collected without percentiles");
        double[] b = m.get(conv);
        if (b == null) throw new IllegalArgumentException("no calibration statistics for conv '" + conv + "'");
        return b.clone();
    }

    /** Mean over batches of the per-batch sensitivity of a conv's input. */
    public double score(String conv) {
        double[] s = scoreSums.get(conv);
        if (s == null) throw new IllegalArgumentException("no calibration statistics for conv '" + conv + "'");
        return s[0] / s[1];
    }

    /**
     * Sets a model's bounds and bit maps from these statistics (ADABM.md §3–§4): activation bounds of every
     * quantized conv; weight bounds (search, max|W| or percentile by method) at each layer's weight bits; for AdaBM
     * the layer offsets from the p_L / 100 - p_L percentiles of the adaptive layers' scores and the image map.
     */
    public CalibrationReport apply(QuantModel model, CalibrationMethod method) {
        long start = System.nanoTime();
        Map<String, Double> scores = new LinkedHashMap<>();
        for (LayerQuant q : model.layers()) {
            if (!q.kind().quantized()) continue;
            double[] b = bounds(q.name(), method);
            if (!(b[0] < b[1]))
                throw new AdabmException("layer " + q.name() + ": its input is constant (" + b[0] + ") over the calibration patches;"
                        + " cannot set activation bounds");
            q.setActivationBounds((float) b[0], (float) b[1]);
            q.setWeightBound(Calibrator.weightBound(q, method));
            q.setLayerLogit(0);
            if (method == CalibrationMethod.ADABM && q.kind() == LayerKind.ADAPTIVE) scores.put(q.name(), score(q.name()));
        }
        double sLow = Double.NaN, sHigh = Double.NaN;
        if (method == CalibrationMethod.ADABM) {
            if (!scores.isEmpty()) {
                double[] v = scores.values().stream().mapToDouble(Double::doubleValue).toArray();
                sLow = Percentiles.of(v, options.pLayer());
                sHigh = Percentiles.of(v, 100 - options.pLayer());
                for (var e : scores.entrySet()) model.layer(e.getKey()).setLayerLogit(BitMaps.offsetFromScore(e.getValue(), sLow, sHigh));
            }
            model.imageMap().enable(tau[0], tau[1]);
        } else {
            model.imageMap().disable();
        }
        double applySeconds = (System.nanoTime() - start) / 1e9;
        return new CalibrationReport(method, patches, batches, seconds + applySeconds, scores, sLow, sHigh,
                method == CalibrationMethod.ADABM ? tau[0] : Double.NaN, method == CalibrationMethod.ADABM ? tau[1] : Double.NaN);
    }
}
