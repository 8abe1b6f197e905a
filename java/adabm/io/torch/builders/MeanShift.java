package adabm.io.torch.builders;

/**
 * EDSR-PyTorch / CARN MeanShift: a 1x1 conv {@code prefix.weight} [C,C,1,1] with {@code prefix.bias} [C]. Wrapped as
 * y = post * (W (pre * x) + b) so range conversions (0..255 vs 0..1) fold in: a diagonal W (the usual identity or
 * 1/std) becomes one per-channel Affine, anything else a 1x1 conv between two scalar Affines.
 */
final class MeanShift {
    private MeanShift() { }

    /** Whether the state_dict has this MeanShift (either of its tensors: a lone one is then reported as a missing key). */
    static boolean present(StateDict sd, String prefix) {
        return sd.has(prefix + ".weight") || sd.has(prefix + ".bias");
    }

    static String apply(GraphBuilder g, StateDict sd, String prefix, String name, String input, int colors, float pre, float post) {
        StateDict.Conv c = sd.conv(prefix, colors, colors);
        if (c.k() != 1 || c.groups() != 1) throw sd.error("tensor '" + prefix + ".weight' must be a 1x1 conv over " + colors + " channels");
        float[] diag = new float[colors];
        boolean diagonal = true;
        for (int o = 0; o < colors; o++)
            for (int i = 0; i < colors; i++) {
                float w = c.weight()[o * colors + i];
                if (o == i) diag[o] = w;
                else if (w != 0f) diagonal = false;
            }
        float[] shift = new float[colors];
        for (int o = 0; o < colors; o++) shift[o] = post * c.bias()[o];
        if (diagonal) {
            float[] scale = new float[colors];
            for (int o = 0; o < colors; o++) scale[o] = (float) ((double) post * pre * diag[o]);
            return g.affine(name, input, scale, shift);
        }
        String x = input;
        if (pre != 1f) x = g.affine(name + ".pre", x, new float[] {pre}, new float[] {0f});
        x = g.conv(post != 1f ? name + ".conv" : name, x, c);
        if (post != 1f) x = g.affine(name, x, new float[] {post}, new float[] {0f});
        return x;
    }
}
