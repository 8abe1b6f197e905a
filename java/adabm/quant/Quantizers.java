package adabm.quant;

/**
 * The AdaBM fake quantizers (ADABM.md §2) and their gradients, as plain static functions so a fine-tuning tape can
 * reuse exactly the math the forward pass uses. Per tensor, not per channel. Arithmetic is float32 in the order the
 * formulas are written; rounding is half to even ({@link Math#rint}). Gradients are straight-through for the rounding.
 */
public final class Quantizers {
    public static final int MIN_BITS = 2, MAX_BITS = 8;

    private Quantizers() { }

    /** Throws IllegalArgumentException unless 2 <= bits <= 8; {@code what} names the layer or setting. */
    public static int checkBits(int bits, String what) {
        if (bits < MIN_BITS || bits > MAX_BITS)
            throw new IllegalArgumentException(what + ": " + bits + " bits is outside the supported " + MIN_BITS + ".." + MAX_BITS);
        return bits;
    }

    /** 2^b - 1: the largest activation code, and the number of weight steps. */
    public static int levels(int bits) { return (1 << bits) - 1; }

    private static void checkRange(float l, float u) {
        if (!(l < u)) throw new IllegalArgumentException("activation bounds need l < u, got l=" + l + " u=" + u);
    }

    // ---- activation: asymmetric [l, u], codes 0..2^b-1 ----

    /**
     * xq = l + round((clamp(x,l,u) - l)/(u - l) * n) * (u - l)/n with n = 2^b - 1, evaluated as l + q * s_a with the
     * step s_a = (u - l)/n rounded once: the grid is then the integer plan's (ADABM.md §8) to float32 rounding of
     * each value, where q * (u - l) / n would add an error that depends on the code alone and so sums coherently
     * over a conv's taps.
     */
    public static float activation(float x, float l, float u, int bits) {
        checkBits(bits, "activation quantizer");
        checkRange(l, u);
        return activationUnchecked(x, l, u, levels(bits));
    }

    static float activationUnchecked(float x, float l, float u, int n) {
        float c = Math.min(Math.max(x, l), u);
        float q = (float) Math.rint((c - l) / (u - l) * n);
        return l + q * ((u - l) / n);
    }

    /** Fake-quantizes {@code len} values of src from {@code from} into dst at the same positions. */
    public static void activation(float[] src, int from, int len, float l, float u, int bits, float[] dst) {
        checkBits(bits, "activation quantizer");
        checkRange(l, u);
        int n = levels(bits);
        for (int i = from; i < from + len; i++) dst[i] = activationUnchecked(src[i], l, u, n);
    }

    /** d xq/dx: 1 inside [l, u] (straight-through), 0 where clamped. */
    public static float activationGradX(float x, float l, float u) { return l <= x && x <= u ? 1f : 0f; }

    /** d xq/du: 1 above u; r/n - v inside; 0 below l. */
    public static float activationGradU(float x, float l, float u, int bits) {
        if (x > u) return 1f;
        if (x < l) return 0f;
        return -insideResidual(x, l, u, bits);
    }

    /** d xq/dl: 1 below l; v - r/n inside; 0 above u. */
    public static float activationGradL(float x, float l, float u, int bits) {
        if (x < l) return 1f;
        if (x > u) return 0f;
        return insideResidual(x, l, u, bits);
    }

    /** d xq/db = (u - l)(v - r/n) 2^b ln2 / (2^b - 1): how the loss reaches a (soft) bit width. */
    public static float activationGradBits(float x, float l, float u, int bits) {
        float twoB = 1 << bits;
        return (float) ((u - l) * insideResidual(x, l, u, bits) * twoB * Math.log(2) / (twoB - 1));
    }

    /** Running sums for {@link #activationBackward}: dL/dl, dL/du and dL/db, in double. */
    public static final class ActivationGradSums {
        public double lower, upper, bits;
    }

    /**
     * The activation quantizer's backward over {@code len} values from {@code from}: dx[k] = dxq[k] * d xq/dx, and
     * dxq[k] * d xq/dl, * d xq/du and (withBits) * d xq/db added to the running sums, in index order. Bit for bit what
     * the per-value functions above give (same float expressions, same order of additions), with the residual
     * v - r/n computed once per value instead of once per function; values whose dxq is 0 are skipped (they add
     * nothing and dx stays as it was).
     */
    public static void activationBackward(float[] x, float[] dxq, int from, int len, float l, float u, int bits,
                                          boolean withBits, float[] dx, ActivationGradSums sums) {
        checkBits(bits, "activation quantizer");
        checkRange(l, u);
        int n = levels(bits);
        float range = u - l, twoB = 1 << bits;
        double ln2 = Math.log(2);
        double gl = sums.lower, gu = sums.upper, gb = sums.bits;
        for (int k = from; k < from + len; k++) {
            float v = x[k], d = dxq[k];
            if (d == 0f) continue;
            float c = Math.min(Math.max(v, l), u);
            float t = (c - l) / range;
            float r = (float) Math.rint(t * n);
            float residual = t - r / n;
            dx[k] = d * (l <= v && v <= u ? 1f : 0f);
            float gradL = v < l ? 1f : v > u ? 0f : residual;
            float gradU = v > u ? 1f : v < l ? 0f : -residual;
            gl += d * (double) gradL;
            gu += d * (double) gradU;
            if (withBits) gb += d * (double) (float) (range * residual * twoB * ln2 / (twoB - 1));
        }
        sums.lower = gl;
        sums.upper = gu;
        sums.bits = gb;
    }

    /** v - r/n with v = (c - l)/(u - l), r = round(n v), on the clamped value c. */
    private static float insideResidual(float x, float l, float u, int bits) {
        checkBits(bits, "activation quantizer");
        checkRange(l, u);
        int n = levels(bits);
        float c = Math.min(Math.max(x, l), u);
        float v = (c - l) / (u - l);
        float r = (float) Math.rint(v * n);
        return v - r / n;
    }

    // ---- weight: symmetric [-uw, uw], 2^bw levels, 0 is not a level ----

    /**
     * wq = -uw + k * 2 uw / n with k = round((clamp(W,-uw,uw) + uw)/(2 uw) * n), n = 2^bw - 1, evaluated as the odd
     * integer 2k - n times the step uw/n rounded once: -uw + k*2uw/n cancels near 0 and leaves an error of about one
     * ulp of uw on the smallest weights, the same for every weight with that code, which the integer plan's exact
     * s8 codes do not share.
     */
    public static float weight(float w, float uw, int bits) {
        checkBits(bits, "weight quantizer");
        checkWeightBound(uw);
        return weightUnchecked(w, uw, levels(bits));
    }

    static float weightUnchecked(float w, float uw, int n) {
        float wc = Math.min(Math.max(w, -uw), uw);
        float k = (float) Math.rint((wc + uw) / (2 * uw) * n);
        return (2 * k - n) * (uw / n);
    }

    /** A fake-quantized copy of a whole weight array. */
    public static float[] weights(float[] w, float uw, int bits) {
        checkBits(bits, "weight quantizer");
        checkWeightBound(uw);
        int n = levels(bits);
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) out[i] = weightUnchecked(w[i], uw, n);
        return out;
    }

    /** d wq/duw: +1 above uw, -1 below -uw, (wq - W)/uw inside. */
    public static float weightGradBound(float w, float uw, int bits) {
        if (w > uw) return 1f;
        if (w < -uw) return -1f;
        return (weight(w, uw, bits) - w) / uw;
    }

    private static void checkWeightBound(float uw) {
        if (!(uw > 0) || Float.isInfinite(uw)) throw new IllegalArgumentException("weight bound must be positive and finite, got " + uw);
    }
}
