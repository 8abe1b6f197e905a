package adabm.eval;

import adabm.ShapeException;
import adabm.tensor.Tensor;
import java.util.function.Function;

/**
 * MATLAB-exact {@code imresize(img, scale, 'bicubic')} for 8-bit images held as float tensors [N,C,H,W] on the
 * 0..255 scale (see datasets/DATASETS.md "How the LR images were made"): rows (height) first, then columns, the
 * first pass rounded to uint8 (half up, clipped to 0..255) as MATLAB does for uint8 input. Downscaling is
 * antialiased and rounds the second pass the same way (it makes LR images, byte-exact with the benchmark files).
 *
 * <p>Upscaling by an integer factor is plain bicubic, the classic SR baseline. Its second pass is left unrounded,
 * like any model's SR output: the metric (and the PNG writer) then clamp and round it half to even. That is how
 * models/reference.json's "bicubic" baseline was made: it matches it to 1e-6 dB on every Set5/Set14 image at
 * x2/x3/x4, whereas rounding the second pass half up too (MATLAB's uint8 result) moves x2/x4 PSNRs by up to
 * 3e-4 dB — even factors give dyadic weights, so exact .5 ties are common there.
 */
public final class Bicubic {
    private Bicubic() { }

    /** LR from HR: crop HR top-left to a multiple of s, then resize by 1/s with antialiasing. */
    public static Tensor downscale(Tensor hr, int s) {
        checkScale(s);
        int h = hr.h - hr.h % s, w = hr.w - hr.w % s;
        if (h == 0 || w == 0)
            throw new ShapeException("cannot downscale " + hr.shape() + " by " + s + ": smaller than the scale");
        double scale = 1.0 / s;
        return resize(crop(hr, h, w), h / s, w / s, scale, true, true);
    }

    /** Bicubic upscaling by an integer factor (no antialiasing; output exactly s·H × s·W, last pass unrounded). */
    public static Tensor upscale(Tensor lr, int s) {
        checkScale(s);
        return resize(lr, lr.h * s, lr.w * s, s, false, false);
    }

    /** {@link #upscale} as an upscaler for {@link Evaluator}. */
    public static Function<Tensor, Tensor> upscaler(int s) {
        checkScale(s);
        return lr -> upscale(lr, s);
    }

    private static void checkScale(int s) {
        if (s < 1) throw new IllegalArgumentException("scale must be a positive integer, got " + s);
    }

    private static Tensor resize(Tensor in, int outH, int outW, double scale, boolean antialias, boolean roundLast) {
        ResizeWeights rows = ResizeWeights.of(in.h, outH, scale, antialias);
        ResizeWeights cols = ResizeWeights.of(in.w, outW, scale, antialias);
        int planes = in.n * in.c;
        float[] mid = new float[planes * outH * in.w];
        float[] out = new float[planes * outH * outW];
        for (int p = 0; p < planes; p++) {
            resizeRows(in.data, p * in.h * in.w, in.w, rows, mid, p * outH * in.w);
            resizeCols(mid, p * outH * in.w, outH, in.w, cols, out, p * outH * outW, roundLast);
        }
        return new Tensor(in.n, in.c, outH, outW, out);
    }

    /** Along the height: out[y][x] = Σ_j w[y][j] · in[idx[y][j]][x]. */
    private static void resizeRows(float[] src, int srcOff, int width, ResizeWeights r, float[] dst, int dstOff) {
        double[] acc = new double[width];
        for (int y = 0; y < r.outLength; y++) {
            java.util.Arrays.fill(acc, 0);
            for (int j = 0; j < r.taps; j++) {
                double wt = r.weights[y * r.taps + j];
                int row = srcOff + r.indices[y * r.taps + j] * width;
                for (int x = 0; x < width; x++) acc[x] += wt * src[row + x];
            }
            for (int x = 0; x < width; x++) dst[dstOff + y * width + x] = toUint8(acc[x]);
        }
    }

    /** Along the width: out[y][x] = Σ_j w[x][j] · in[y][idx[x][j]]. */
    private static void resizeCols(float[] src, int srcOff, int height, int inWidth, ResizeWeights c, float[] dst, int dstOff,
                                   boolean round) {
        for (int y = 0; y < height; y++) {
            int row = srcOff + y * inWidth;
            for (int x = 0; x < c.outLength; x++) {
                double acc = 0;
                for (int j = 0; j < c.taps; j++) acc += c.weights[x * c.taps + j] * src[row + c.indices[x * c.taps + j]];
                dst[dstOff + y * c.outLength + x] = round ? toUint8(acc) : (float) acc;
            }
        }
    }

    /** MATLAB's double → uint8: round half away from zero (half up here, negatives clip to 0), saturate. */
    static float toUint8(double v) {
        return Math.min(255, Math.max(0, Math.round(v)));
    }

    private static Tensor crop(Tensor t, int h, int w) {
        if (h == t.h && w == t.w) return t;
        float[] out = new float[t.n * t.c * h * w];
        for (int p = 0; p < t.n * t.c; p++)
            for (int y = 0; y < h; y++)
                System.arraycopy(t.data, (p * t.h + y) * t.w, out, (p * h + y) * w, w);
        return new Tensor(t.n, t.c, h, w, out);
    }
}
