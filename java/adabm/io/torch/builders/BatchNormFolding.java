package adabm.io.torch.builders;

/**
 * Folds an inference-mode BatchNorm2d ({@code prefix.weight/bias/running_mean/running_var}) into the conv before it:
 * W' = W * g / sqrt(var + eps), b' = (b - mean) * g / sqrt(var + eps) + beta. This is the same affine map, so the
 * only difference from running conv and BN separately is float rounding. eps is PyTorch's default 1e-5 (it is a
 * module attribute, not part of the state_dict).
 */
final class BatchNormFolding {
    private BatchNormFolding() { }

    static final double EPS = 1e-5;

    static StateDict.Conv fold(StateDict sd, StateDict.Conv c, String bn) {
        int n = c.cout();
        float[] gamma = sd.vector(bn + ".weight", n), beta = sd.vector(bn + ".bias", n);
        float[] mean = sd.vector(bn + ".running_mean", n), var = sd.vector(bn + ".running_var", n);
        float[] w = new float[c.weight().length], b = new float[n];
        int per = w.length / n;
        for (int o = 0; o < n; o++) {
            double s = gamma[o] / Math.sqrt(var[o] + EPS);
            for (int i = 0; i < per; i++) w[o * per + i] = (float) (c.weight()[o * per + i] * s);
            b[o] = (float) ((c.bias()[o] - (double) mean[o]) * s + beta[o]);
        }
        return new StateDict.Conv(c.key(), w, b, c.cin(), c.cout(), c.k(), c.groups());
    }
}
