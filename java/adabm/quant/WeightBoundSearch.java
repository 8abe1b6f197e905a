package adabm.quant;

/**
 * The AdaBM weight bound search (ADABM.md §3): from U0 = max(W) (signed), try uw = U0 (1 - 0.01 i) for i = 0..49 and
 * keep the one with the least mean((W - wq)^2) at the layer's weight bits; the first minimum wins.
 */
public final class WeightBoundSearch {
    public static final int CANDIDATES = 50;

    private WeightBoundSearch() { }

    public static float search(float[] w, int bits) {
        Quantizers.checkBits(bits, "weight bound search");
        float u0 = Float.NEGATIVE_INFINITY;
        for (float v : w) u0 = Math.max(u0, v);
        // an all-non-positive weight has no positive signed max: fall back to its largest magnitude
        if (!(u0 > 0)) u0 = maxAbs(w);
        if (!(u0 > 0)) throw new IllegalArgumentException("weight is all zero: no bound to search");
        float best = u0;
        double bestErr = Double.POSITIVE_INFINITY;
        for (int i = 0; i < CANDIDATES; i++) {
            float uw = u0 * (1 - 0.01f * i);
            double err = mse(w, uw, bits);
            if (err < bestErr) { bestErr = err; best = uw; }
        }
        return best;
    }

    public static double mse(float[] w, float uw, int bits) {
        int n = Quantizers.levels(bits);
        double sum = 0;
        for (float v : w) {
            double d = v - Quantizers.weightUnchecked(v, uw, n);
            sum += d * d;
        }
        return sum / w.length;
    }

    public static float maxAbs(float[] w) {
        float m = 0;
        for (float v : w) m = Math.max(m, Math.abs(v));
        return m;
    }
}
