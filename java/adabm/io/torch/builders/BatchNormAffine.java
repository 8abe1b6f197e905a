package adabm.io.torch.builders;

/**
 * An inference-mode BatchNorm2d ({@code prefix.weight/bias/running_mean/running_var}) as a per-channel affine op
 * y = x * g / sqrt(var + eps) + (beta - mean * g / sqrt(var + eps)), kept apart from the conv before it (batch norm
 * stays float32 under quantization, ADABM.md §1; float plans fold it, {@link adabm.graph.AffineFolding}). eps is
 * PyTorch's default 1e-5 (a module attribute, not part of the state_dict).
 */
final class BatchNormAffine {
    private BatchNormAffine() { }

    static final double EPS = 1e-5;

    /** Appends the batch norm {@code bn} (n channels) reading {@code input}; returns its output name. */
    static String append(GraphBuilder g, StateDict sd, String bn, String input, int n) {
        float[] gamma = sd.vector(bn + ".weight", n), beta = sd.vector(bn + ".bias", n);
        float[] mean = sd.vector(bn + ".running_mean", n), var = sd.vector(bn + ".running_var", n);
        float[] scale = new float[n], shift = new float[n];
        for (int o = 0; o < n; o++) {
            double s = gamma[o] / Math.sqrt(var[o] + EPS);
            scale[o] = (float) s;
            shift[o] = (float) (beta[o] - mean[o] * s);
        }
        return g.affine(bn, input, scale, shift);
    }
}
