package adabm.eval;

/**
 * The taps and weights of MATLAB {@code imresize}'s bicubic resampling along one dimension ("contributions" in
 * imresize.m): cubic kernel a = −0.5, widened by 1/scale when downscaling with antialiasing, weights normalised per
 * output pixel, out-of-range taps mirrored, taps that are zero for every output pixel dropped. Indices are 0-based.
 */
final class ResizeWeights {
    final int outLength;
    final int taps;
    final double[] weights;   // [outLength][taps]
    final int[] indices;      // [outLength][taps]

    private ResizeWeights(int outLength, int taps, double[] weights, int[] indices) {
        this.outLength = outLength; this.taps = taps; this.weights = weights; this.indices = indices;
    }

    static ResizeWeights of(int inLength, int outLength, double scale, boolean antialias) {
        boolean widen = scale < 1 && antialias;
        double kernelWidth = widen ? 4.0 / scale : 4.0;
        int p = (int) Math.ceil(kernelWidth) + 2;
        double[] w = new double[outLength * p];
        int[] idx = new int[outLength * p];
        for (int o = 0; o < outLength; o++) {
            int x = o + 1;                                   // MATLAB's 1-based output coordinate
            double u = x / scale + 0.5 * (1 - 1 / scale);    // the input position it samples
            double left = Math.floor(u - kernelWidth / 2);
            double sum = 0;
            for (int j = 0; j < p; j++) {
                double d = u - (left + j);
                double h = widen ? scale * cubic(scale * d) : cubic(d);
                w[o * p + j] = h;
                sum += h;
            }
            for (int j = 0; j < p; j++) {
                w[o * p + j] /= sum;
                idx[o * p + j] = mirror((long) left + j, inLength);
            }
        }
        return dropZeroColumns(outLength, p, w, idx);
    }

    /** Keys' cubic with a = −0.5, written as imresize.m writes it. */
    static double cubic(double x) {
        double ax = Math.abs(x), ax2 = ax * ax, ax3 = ax2 * ax;
        if (ax <= 1) return 1.5 * ax3 - 2.5 * ax2 + 1;
        if (ax <= 2) return -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2;
        return 0;
    }

    /** 1-based index i mapped through aux = [1..n, n..1] (period 2n), returned 0-based. */
    static int mirror(long oneBased, int n) {
        int m = (int) Math.floorMod(oneBased - 1, 2L * n);
        return m < n ? m : 2 * n - 1 - m;
    }

    private static ResizeWeights dropZeroColumns(int outLength, int p, double[] w, int[] idx) {
        boolean[] keep = new boolean[p];
        int kept = 0;
        for (int j = 0; j < p; j++) {
            for (int o = 0; o < outLength && !keep[j]; o++) keep[j] = w[o * p + j] != 0;
            if (keep[j]) kept++;
        }
        double[] kw = new double[outLength * kept];
        int[] ki = new int[outLength * kept];
        for (int o = 0; o < outLength; o++) {
            int k = 0;
            for (int j = 0; j < p; j++) {
                if (!keep[j]) continue;
                kw[o * kept + k] = w[o * p + j];
                ki[o * kept + k] = idx[o * p + j];
                k++;
            }
        }
        return new ResizeWeights(outLength, kept, kw, ki);
    }
}
