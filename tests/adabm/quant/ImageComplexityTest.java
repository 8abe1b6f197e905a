package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;

import adabm.ShapeException;
import adabm.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Complexity (ADABM.md §3) on synthetic images with hand-computed values. */
class ImageComplexityTest {
    static Tensor image(int h, int w, java.util.function.IntBinaryOperator rgbValue, float r, float g, float b) {
        Tensor t = new Tensor(1, 3, h, w);
        float[] k = {r, g, b};
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) t.data[t.index(0, c, y, x)] = k[c] * rgbValue.applyAsInt(y, x);
        return t;
    }

    @Test
    void flatImageIsZero() {
        assertEquals(0.0, ImageComplexity.of(image(7, 9, (y, x) -> 137, 1, 1, 1), 0));
    }

    @Test
    void horizontalRamp_handValue() {
        // gray = 10x/255 =: a x. Interior |Gx| = (1+2+1) * 2a / 8 = a; the replicated first and last columns give
        // (1+2+1) * a / 8 = a/2; Gy = 0. mean|Gx| = a (W - 1)/W. complexity = 1000 * mean|Gx| / 2.
        int w = 8, h = 5;
        double a = 10.0 / 255;
        double expected = 1000 * (a * (w - 1) / w) / 2;   // 17.156862745...
        assertEquals(expected, ImageComplexity.of(image(h, w, (y, x) -> 10 * x, 1, 1, 1), 0), 1e-12);
        // the same ramp vertically: Gy takes Gx's part
        assertEquals(1000 * (a * (h - 1) / h) / 2, ImageComplexity.of(image(h, w, (y, x) -> 10 * y, 1, 1, 1), 0), 1e-12);
    }

    @Test
    void grayWeights() {
        // a ramp in the red channel only counts 0.299 of it, green 0.587, blue 0.114
        int w = 6;
        double full = ImageComplexity.of(image(4, w, (y, x) -> 20 * x, 1, 1, 1), 0);
        assertEquals(0.299 * full, ImageComplexity.of(image(4, w, (y, x) -> 20 * x, 1, 0, 0), 0), 1e-12);
        assertEquals(0.587 * full, ImageComplexity.of(image(4, w, (y, x) -> 20 * x, 0, 1, 0), 0), 1e-12);
        assertEquals(0.114 * full, ImageComplexity.of(image(4, w, (y, x) -> 20 * x, 0, 0, 1), 0), 1e-12);
    }

    @Test
    void checkerboard_handValue() {
        // 0/255 checkerboard of gray 0/1, 4x4, replicate padding. Interior pixel: Gx = (1+2+1)*(n(x+1) - n(x-1))/8 where
        // neighbours left and right are equal -> 0; every Gx and Gy term cancels except at the border, where replicate
        // padding makes the left neighbour the pixel itself: |Gx| = |(-1)*p + ... | -> compute directly below.
        Tensor t = image(4, 4, (y, x) -> ((x + y) % 2) * 255, 1, 1, 1);
        double sx = 0, sy = 0;
        double[][] g = new double[4][4];
        for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) g[y][x] = (x + y) % 2;
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) {
                int ym = Math.max(0, y - 1), yp = Math.min(3, y + 1), xm = Math.max(0, x - 1), xp = Math.min(3, x + 1);
                sx += Math.abs((g[ym][xp] - g[ym][xm]) + 2 * (g[y][xp] - g[y][xm]) + (g[yp][xp] - g[yp][xm])) / 8;
                sy += Math.abs((g[yp][xm] - g[ym][xm]) + 2 * (g[yp][x] - g[ym][x]) + (g[yp][xp] - g[ym][xp])) / 8;
            }
        double expected = 1000 * (sx / 16 + sy / 16) / 2;
        assertEquals(expected, ImageComplexity.of(t, 0), 1e-9);
        assertTrue(expected > 0);
        // batch version and sample index
        Tensor two = new Tensor(2, 3, 4, 4);
        System.arraycopy(t.data, 0, two.data, 48, 48);
        assertArrayEquals(new double[] {0, expected}, ImageComplexity.ofBatch(two), 1e-12);
        assertThrows(ShapeException.class, () -> ImageComplexity.of(new Tensor(1, 1, 4, 4), 0));
    }
}
