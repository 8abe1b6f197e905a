package adabm.quant;

/**
 * The layer-to-bit and image-to-bit maps (ADABM.md §4) as static functions: hard offsets for the forward pass and
 * the soft surrogates (with derivatives) a fine-tuner back-propagates through.
 */
public final class BitMaps {
    private BitMaps() { }

    /** Layer offset from its learnable logit: round(clamp(m, -1, 1)), half to even. */
    public static int layerOffset(float m) { return (int) Math.rint(Math.max(-1f, Math.min(1f, m))); }

    /** Soft layer offset tanh(m) used in backward. */
    public static double softLayerOffset(double m) { return Math.tanh(m); }

    public static double softLayerOffsetGrad(double m) { double t = Math.tanh(m); return 1 - t * t; }

    /** Layer logit initialisation from its score: -1 below the low percentile, +1 above the high one, else 0. */
    public static int offsetFromScore(double score, double low, double high) {
        return score < low ? -1 : score > high ? 1 : 0;
    }

    /** Image offset: complexity below tauLow -> -1, above tauHigh -> +1, else 0. */
    public static int imageOffset(double complexity, double tauLow, double tauHigh) {
        return complexity < tauLow ? -1 : complexity > tauHigh ? 1 : 0;
    }

    /** Soft image offset tanh((g - (tu + tl)/2) * 2/(tu - tl)) (straight-through: forward uses the hard value). */
    public static double softImageOffset(double g, double tauLow, double tauHigh) {
        return Math.tanh(softImageArgument(g, tauLow, tauHigh));
    }

    /** d softImageOffset / d tauLow. */
    public static double softImageOffsetGradTauLow(double g, double tauLow, double tauHigh) {
        double t = Math.tanh(softImageArgument(g, tauLow, tauHigh)), d = tauHigh - tauLow;
        // z = (2g - tu - tl)/d ; dz/dtl = (-d + (2g - tu - tl)) / d^2
        return (1 - t * t) * (-d + (2 * g - tauHigh - tauLow)) / (d * d);
    }

    /** d softImageOffset / d tauHigh. */
    public static double softImageOffsetGradTauHigh(double g, double tauLow, double tauHigh) {
        double t = Math.tanh(softImageArgument(g, tauLow, tauHigh)), d = tauHigh - tauLow;
        // dz/dtu = (-d - (2g - tu - tl)) / d^2
        return (1 - t * t) * (-d - (2 * g - tauHigh - tauLow)) / (d * d);
    }

    private static double softImageArgument(double g, double tauLow, double tauHigh) {
        if (!(tauHigh > tauLow)) throw new IllegalArgumentException("image thresholds need tauLow < tauHigh, got " + tauLow + ", " + tauHigh);
        return (g - (tauHigh + tauLow) / 2) * 2 / (tauHigh - tauLow);
    }
}
