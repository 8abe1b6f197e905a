package adabm.io.onnx;

import adabm.graph.Op;

/**
 * Inference batch norm y = (x - mean) / sqrt(var + eps) * gamma + beta as the per-channel affine map
 * y = x * scale + shift, coefficients computed in float64 and rounded once to float32.
 */
final class BatchNormAffine {
    private BatchNormAffine() { }

    /** The caller has checked var + eps > 0 and equal lengths. */
    static Op.Affine of(float[] gamma, float[] beta, float[] mean, float[] var, double epsilon, String name, String input, String output) {
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
