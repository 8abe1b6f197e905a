package adabm.eval;

import adabm.ShapeException;
import adabm.io.image.Pixels;
import adabm.tensor.Tensor;

/**
 * PSNR and SSIM on the Y channel, by the AdaBM / EDSR-PyTorch benchmark protocol (ADABM.md §7, MODELS.md §6):
 * SR clamped to 0..255 and rounded half to even; HR cropped top-left to the SR size; greyscale replicated to 3
 * channels; Y = Σ_c img_c·[65.738, 129.057, 25.064]_c/256 (no +16); {@code scale} pixels shaved on every border.
 * SSIM: 11×11 Gaussian window (σ 1.5, normalised), replicate padding 5 (a map of the same size), C1 = (0.01·255)²,
 * C2 = (0.03·255)², mean of the map. All arithmetic in float64. (AdaBM shrinks the window for images under 11
 * pixels; here the 11×11 window always applies, its replicate padding covering any size.)
 */
public final class Metrics {
    private static final double[] Y_COEF = {65.738 / 256, 129.057 / 256, 25.064 / 256};
    private static final int RADIUS = 5;
    private static final double SIGMA = 1.5;
    private static final double C1 = Math.pow(0.01 * 255, 2), C2 = Math.pow(0.03 * 255, 2);
    private static final double[] WINDOW = gaussian();

    private Metrics() { }

    /** PSNR (dB) and SSIM of one image. */
    public record Score(double psnr, double ssim) { }

    public static Score score(Tensor sr, Tensor hr, int scale) {
        Pair p = prepare(sr, hr, scale);
        return new Score(psnr(p), ssim(p));
    }

    public static double psnr(Tensor sr, Tensor hr, int scale) { return psnr(prepare(sr, hr, scale)); }

    public static double ssim(Tensor sr, Tensor hr, int scale) { return ssim(prepare(sr, hr, scale)); }

    /** Rounded SR and cropped HR, both as 3 planes of the shaved region (values 0..255, float64). */
    private record Pair(double[][] sr, double[][] hr, int h, int w) { }

    private static Pair prepare(Tensor sr, Tensor hr, int scale) {
        if (scale < 1) throw new IllegalArgumentException("scale must be positive, got " + scale);
        if (sr.n != 1 || hr.n != 1) throw new ShapeException("metrics take single images, got SR " + sr.shape() + ", HR " + hr.shape());
        checkChannels("SR", sr);
        checkChannels("HR", hr);
        if (hr.h < sr.h || hr.w < sr.w)
            throw new ShapeException("HR " + hr.shape() + " is smaller than SR " + sr.shape());
        int h = sr.h - 2 * scale, w = sr.w - 2 * scale;
        if (h <= 0 || w <= 0) throw new ShapeException("SR " + sr.shape() + " has nothing left after shaving " + scale + " pixels");
        double[][] s = new double[3][h * w], t = new double[3][h * w];
        for (int c = 0; c < 3; c++) {
            int cs = sr.c == 1 ? 0 : c, ch = hr.c == 1 ? 0 : c;   // replicate greyscale
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    s[c][y * w + x] = Pixels.toUint8(sr.get(0, cs, y + scale, x + scale));
                    t[c][y * w + x] = hr.get(0, ch, y + scale, x + scale);   // top-left crop of HR to the SR size
                }
        }
        return new Pair(s, t, h, w);
    }

    private static void checkChannels(String what, Tensor t) {
        if (t.c != 1 && t.c != 3) throw new ShapeException(what + " " + t.shape() + " must have 1 or 3 channels");
    }

    private static double psnr(Pair p) {
        double sum = 0;
        int count = p.h * p.w;
        for (int i = 0; i < count; i++) {
            double dy = 0;
            for (int c = 0; c < 3; c++) dy += (p.sr[c][i] - p.hr[c][i]) / 255 * Y_COEF[c];
            sum += dy * dy;
        }
        return -10 * Math.log10(sum / count);   // +Infinity for identical images
    }

    private static double ssim(Pair p) {
        double[] a = luma(p.sr), b = luma(p.hr);
        int n = a.length;
        double[] aa = new double[n], bb = new double[n], ab = new double[n];
        for (int i = 0; i < n; i++) { aa[i] = a[i] * a[i]; bb[i] = b[i] * b[i]; ab[i] = a[i] * b[i]; }
        double[] muA = blur(a, p.h, p.w), muB = blur(b, p.h, p.w);
        double[] eAA = blur(aa, p.h, p.w), eBB = blur(bb, p.h, p.w), eAB = blur(ab, p.h, p.w);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double mA2 = muA[i] * muA[i], mB2 = muB[i] * muB[i], mAB = muA[i] * muB[i];
            double varA = eAA[i] - mA2, varB = eBB[i] - mB2, cov = eAB[i] - mAB;
            sum += ((2 * mAB + C1) * (2 * cov + C2)) / ((mA2 + mB2 + C1) * (varA + varB + C2));
        }
        return sum / n;
    }

    private static double[] luma(double[][] rgb) {
        double[] y = new double[rgb[0].length];
        for (int i = 0; i < y.length; i++) y[i] = rgb[0][i] * Y_COEF[0] + rgb[1][i] * Y_COEF[1] + rgb[2][i] * Y_COEF[2];
        return y;
    }

    /** Separable 11×11 Gaussian with replicate (clamped-index) padding: output has the input's size. */
    private static double[] blur(double[] img, int h, int w) {
        double[] tmp = new double[h * w], out = new double[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double acc = 0;
                for (int k = -RADIUS; k <= RADIUS; k++) acc += WINDOW[k + RADIUS] * img[y * w + clamp(x + k, w)];
                tmp[y * w + x] = acc;
            }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double acc = 0;
                for (int k = -RADIUS; k <= RADIUS; k++) acc += WINDOW[k + RADIUS] * tmp[clamp(y + k, h) * w + x];
                out[y * w + x] = acc;
            }
        return out;
    }

    private static int clamp(int i, int n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

    private static double[] gaussian() {
        double[] g = new double[2 * RADIUS + 1];
        double sum = 0;
        for (int i = 0; i < g.length; i++) {
            double d = i - RADIUS;
            g[i] = Math.exp(-d * d / (2 * SIGMA * SIGMA));
            sum += g[i];
        }
        for (int i = 0; i < g.length; i++) g[i] /= sum;
        return g;
    }
}
