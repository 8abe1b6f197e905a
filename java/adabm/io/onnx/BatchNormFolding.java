package adabm.io.onnx;

import adabm.graph.Op;

/**
 * Inference batch norm y = (x - mean) / sqrt(var + eps) * gamma + beta as a per-channel affine map
 * y = x * scale + shift, and its folding into a preceding conv. Arithmetic is done in float64 and rounded once to
 * float32, so the folded conv differs from conv-then-BN only by float32 rounding.
 */
final class BatchNormFolding {
    private BatchNormFolding() { }

    /** Per-channel scale and shift of a batch norm, float64; the caller has checked var + eps > 0 and equal lengths. */
    record Coefficients(double[] scale, double[] shift) {
        static Coefficients of(float[] gamma, float[] beta, float[] mean, float[] var, double epsilon) {
            int c = gamma.length;
            double[] scale = new double[c], shift = new double[c];
            for (int i = 0; i < c; i++) {
                scale[i] = gamma[i] / Math.sqrt((double) var[i] + epsilon);
                shift[i] = beta[i] - mean[i] * scale[i];
            }
            return new Coefficients(scale, shift);
        }

        Op.Affine asAffine(String name, String input, String output) {
            return new Op.Affine(name, input, output, toFloat(scale), toFloat(shift));
        }
    }

    /**
     * The conv followed by the batch norm, as one conv writing {@code output}: weights of output channel o are scaled
     * by scale[o], bias becomes bias*scale + shift. New arrays are allocated: the conv's weight may be shared.
     */
    static Op.Conv2d fold(Op.Conv2d conv, Coefficients bn, String output) {
        float[] w = conv.weight();
        int perOut = w.length / conv.outChannels();
        float[] fw = new float[w.length];
        float[] fb = new float[conv.outChannels()];
        for (int o = 0; o < conv.outChannels(); o++) {
            double s = bn.scale()[o];
            for (int i = o * perOut; i < (o + 1) * perOut; i++) fw[i] = (float) (w[i] * s);
            fb[o] = (float) (conv.bias()[o] * s + bn.shift()[o]);
        }
        return new Op.Conv2d(conv.name(), conv.input(), output, conv.inChannels(), conv.outChannels(), conv.kernelH(), conv.kernelW(),
                conv.padTop(), conv.padLeft(), conv.padBottom(), conv.padRight(), conv.groups(), fw, fb);
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }
}
