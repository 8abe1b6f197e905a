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
        return l + activationCode(x, l, u, n) * ((u - l) / n);
    }

    /** The code q of {@link #activation} (n = 2^b - 1, unchecked), as a float; NaN for a NaN input. */
    static float activationCode(float x, float l, float u, int n) {
        float c = Math.min(Math.max(x, l), u);
        return (float) Math.rint((c - l) / (u - l) * n);
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
     * dxq[k] * d xq/dl, * d xq/du and (withBits) * d xq/db added to the running sums. Outside [l, u] the residual
     * v - r/n is 0 (the clamped value sits on a level), so one pass collects three sums — dxq below l, above u, and
     * dxq * residual inside — and the per-value gradients follow from them: dL/dl = below + inside, dL/du = above -
     * inside, dL/db = (u - l) 2^b ln2 / (2^b - 1) * inside. dx is bit for bit the per-value product; the sums equal
     * the per-value sums up to double rounding (their order of addition differs). Values whose dxq is 0 are skipped.
     */
    public static void activationBackward(float[] x, float[] dxq, int from, int len, float l, float u, int bits,
                                          boolean withBits, float[] dx, ActivationGradSums sums) {
        checkBits(bits, "activation quantizer");
        checkRange(l, u);
        int n = levels(bits);
        float range = u - l;
        float[] level = new float[n + 1];   // r / n, the same float division the per-value residual does
        for (int r = 0; r <= n; r++) level[r] = (float) r / n;
        double below = 0, above = 0, insideA = 0, insideB = 0;   // two inside sums: independent add chains
        int k = from, end = from + len;
        for (; k + 1 < end; k += 2) {
            float v0 = x[k], d0 = dxq[k], v1 = x[k + 1], d1 = dxq[k + 1];
            if (d0 != 0f) {
                if (v0 < l) { below += d0; dx[k] = d0 * 0f; }
                else if (v0 > u) { above += d0; dx[k] = d0 * 0f; }
                else { insideA += d0 * (double) residual(v0, l, range, n, level); dx[k] = d0; }
            }
            if (d1 != 0f) {
                if (v1 < l) { below += d1; dx[k + 1] = d1 * 0f; }
                else if (v1 > u) { above += d1; dx[k + 1] = d1 * 0f; }
                else { insideB += d1 * (double) residual(v1, l, range, n, level); dx[k + 1] = d1; }
            }
        }
        for (; k < end; k++) {
            float v = x[k], d = dxq[k];
            if (d == 0f) continue;
            if (v < l) { below += d; dx[k] = d * 0f; }
            else if (v > u) { above += d; dx[k] = d * 0f; }
            else { insideA += d * (double) residual(v, l, range, n, level); dx[k] = d; }
        }
        double inside = insideA + insideB;
        sums.lower += below + inside;
        sums.upper += above - inside;
        if (withBits) sums.bits += bitGradCoefficient(range, bits) * inside;
    }

    /** v - r/n for l <= x <= u, with r/n looked up (level[r] = r/n). */
    private static float residual(float x, float l, float range, int n, float[] level) {
        float t = (x - l) / range;
        float r = (float) Math.rint(t * n);
        return t - level[(int) r];
    }

    /** (u - l) 2^b ln2 / (2^b - 1): d xq/db per unit of residual v - r/n. */
    private static double bitGradCoefficient(float range, int bits) {
        double twoB = 1 << bits;
        return range * twoB * Math.log(2) / (twoB - 1);
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
        return weightCode(w, uw, n) * (uw / n);
    }

    /** The odd integer 2k - n of {@link #weight} (n = 2^bw - 1, unchecked): wq = code * (uw / n). */
    static int weightCode(float w, float uw, int n) {
        float wc = Math.min(Math.max(w, -uw), uw);
        float k = (float) Math.rint((wc + uw) / (2 * uw) * n);
        return 2 * (int) k - n;
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
