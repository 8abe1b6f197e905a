package adabm.quant;

import adabm.ShapeException;
import adabm.tensor.Tensor;

/**
 * Image complexity for the image-to-bit map (ADABM.md §3): mean absolute Sobel gradient of the gray image.
 * gray = (0.299 R + 0.587 G + 0.114 B)/255 on the 0..255 input; Sobel kernels divided by 8, replicate padding 1;
 * complexity = 1000 * (mean|Gx| + mean|Gy|)/2. Computed in double.
 */
public final class ImageComplexity {
    private ImageComplexity() { }

    /** Complexity of sample {@code i} of an RGB batch. */
    public static double of(Tensor rgb, int i) {
        if (rgb.c != 3) throw new ShapeException("image complexity needs 3 channels (RGB), got " + rgb.shape());
        int h = rgb.h, w = rgb.w;
        double[] g = new double[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                g[y * w + x] = (0.299 * rgb.get(i, 0, y, x) + 0.587 * rgb.get(i, 1, y, x) + 0.114 * rgb.get(i, 2, y, x)) / 255.0;
        double sx = 0, sy = 0;
        for (int y = 0; y < h; y++) {
            int ym = Math.max(y - 1, 0), yp = Math.min(y + 1, h - 1);
            for (int x = 0; x < w; x++) {
                int xm = Math.max(x - 1, 0), xp = Math.min(x + 1, w - 1);
                double gx = (g[ym * w + xp] - g[ym * w + xm]) + 2 * (g[y * w + xp] - g[y * w + xm]) + (g[yp * w + xp] - g[yp * w + xm]);
                double gy = (g[yp * w + xm] - g[ym * w + xm]) + 2 * (g[yp * w + x] - g[ym * w + x]) + (g[yp * w + xp] - g[ym * w + xp]);
                sx += Math.abs(gx / 8);
                sy += Math.abs(gy / 8);
            }
        }
        double n = (double) h * w;
        return 1000 * (sx / n + sy / n) / 2;
    }

    /** Complexity of every sample of a batch. */
    public static double[] ofBatch(Tensor rgb) {
        double[] out = new double[rgb.n];
        for (int i = 0; i < rgb.n; i++) out[i] = of(rgb, i);
        return out;
    }
}
