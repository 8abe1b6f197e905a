package adabm.graph;

/**
 * Inference batch norm y = (x - mean) / sqrt(var + eps) * gamma + beta as the per-channel affine op
 * y = x * scale + shift, coefficients computed in float64 and rounded once to float32. Importers keep it as its own
 * op (batch norm stays float32 under quantization, ADABM.md §1); float plans fold it ({@link AffineFolding}).
 */
public final class BatchNorm {
    private BatchNorm() { }

    /** The caller has checked equal lengths and var + eps > 0. */
    public static Op.Affine asAffine(String name, String input, String output, float[] gamma, float[] beta, float[] mean, float[] var,
                                     double epsilon) {
        int c = gamma.length;
        float[] scale = new float[c], shift = new float[c];
        for (int i = 0; i < c; i++) {
            double s = gamma[i] / Math.sqrt((double) var[i] + epsilon);
            scale[i] = (float) s;
            shift[i] = (float) (beta[i] - mean[i] * s);
        }
        return new Op.Affine(name, input, output, scale, shift);
    }
}
