package adabm.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adabm.ShapeException;
import adabm.TestData;
import adabm.io.F32T;
import adabm.io.image.Images;
import adabm.tensor.Tensor;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MetricsTest {
    /** Every golden PNG: {@code <model>_Set5_bird_x<s>.png}. */
    static Stream<String> goldenModels() throws IOException {
        try (Stream<Path> files = Files.list(TestData.golden(""))) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("_Set5_bird_x2.png")
                    || n.endsWith("_Set5_bird_x3.png") || n.endsWith("_Set5_bird_x4.png")).sorted().toList();
            return names.stream().map(n -> n.substring(0, n.indexOf("_Set5_bird")));
        }
    }

    @ParameterizedTest
    @MethodSource("goldenModels")
    void goldenOutputsScoreAsReferenceJson(String model) throws IOException {
        int s = model.charAt(model.length() - 1) - '0';
        String stem = model + "_Set5_bird_x" + s;
        Tensor hr = Images.read(TestData.dataset("Set5").resolve("HR/bird.png"));
        Metrics.Score png = Metrics.score(Images.read(TestData.golden(stem + ".png")), hr, s);
        JsonObject ref = Reference.modelImage(model, "Set5", "bird");
        // reference.json holds 6 decimals; float64 metrics of the same integers agree far below that
        assertEquals(ref.get("psnr_y").getAsDouble(), png.psnr(), 1e-4, model + " PSNR");
        assertEquals(ref.get("ssim_y").getAsDouble(), png.ssim(), 1e-5, model + " SSIM");
        // the unrounded float output must round (half to even, clamped) to the same PNG, hence the same scores
        Metrics.Score raw = Metrics.score(F32T.read(TestData.golden(stem + ".f32t")), hr, s);
        assertEquals(png, raw);
    }

    @Test
    void constantErrorGivesClosedFormPsnr() {
        Tensor hr = random(1, 3, 20, 24, 1, 250, 1);
        Tensor sr = hr.copy();
        for (int i = 0; i < sr.data.length; i++) sr.data[i] += 1;   // every channel +1 → dY = Σcoef/256/255
        double dy = (65.738 + 129.057 + 25.064) / 256 / 255;
        assertEquals(-10 * Math.log10(dy * dy), Metrics.psnr(sr, hr, 2), 1e-9);
        assertEquals(Double.POSITIVE_INFINITY, Metrics.psnr(hr, hr, 2));
        assertEquals(1.0, Metrics.ssim(hr, hr, 2), 1e-12);
    }

    @Test
    void srIsRoundedHalfToEvenAndClampedBeforeScoring() {
        Tensor hr = random(1, 3, 16, 16, 0, 255, 2);
        Tensor sr = hr.copy();
        for (int i = 0; i < sr.data.length; i++) {
            float v = hr.data[i];
            // ties go to the even neighbour, out-of-range values clamp: all of these round back to v
            sr.data[i] = v == 0 ? -37f : v == 255 ? 300f : ((int) v % 2 == 0 ? (i % 2 == 0 ? v + 0.5f : v - 0.5f) : v + 0.49f);
        }
        assertEquals(Double.POSITIVE_INFINITY, Metrics.psnr(sr, hr, 2));
        sr.data[100] = hr.data[100] % 2 == 0 ? hr.data[100] + 0.51f : hr.data[100] + 0.5f;   // now rounds up
        assertTrue(Metrics.psnr(sr, hr, 2) < 100);
    }

    @Test
    void hrIsCroppedTopLeftAndBordersAreShaved() {
        Tensor hr = random(1, 3, 23, 22, 0, 255, 3);
        Tensor sr = random(1, 3, 20, 20, 0, 255, 4);
        Tensor hrCropped = new Tensor(1, 3, 20, 20);
        Tensor srBorder = sr.copy();
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 20; y++)
                for (int x = 0; x < 20; x++) {
                    hrCropped.data[hrCropped.index(0, c, y, x)] = hr.get(0, c, y, x);
                    if (y < 3 || x < 3 || y >= 17 || x >= 17) srBorder.data[sr.index(0, c, y, x)] = 0;   // inside the shave
                }
        assertEquals(Metrics.score(sr, hrCropped, 3), Metrics.score(sr, hr, 3));
        assertEquals(Metrics.score(sr, hr, 3), Metrics.score(srBorder, hr, 3));
        assertTrue(Metrics.psnr(srBorder, hr, 2) != Metrics.psnr(sr, hr, 2), "shave 2 keeps a changed ring");
        assertThrows(ShapeException.class, () -> Metrics.psnr(random(1, 3, 30, 30, 0, 255, 5), hr, 3));
    }

    @Test
    void greyscaleIsReplicated() {
        Tensor grey = random(1, 1, 18, 18, 0, 255, 6);
        Tensor rgb = new Tensor(1, 3, 18, 18);
        for (int c = 0; c < 3; c++) System.arraycopy(grey.data, 0, rgb.data, c * 324, 324);
        Tensor sr = random(1, 3, 18, 18, 0, 255, 7);
        assertEquals(Metrics.score(sr, rgb, 2), Metrics.score(sr, grey, 2));
    }

    @Test
    void ssimMatchesDirectTwoDimensionalWindow() {
        Tensor hr = random(1, 3, 19, 23, 0, 255, 8);
        Tensor sr = hr.copy();
        Random r = new Random(9);
        for (int i = 0; i < sr.data.length; i++) sr.data[i] = Math.max(0, Math.min(255, sr.data[i] + r.nextInt(41) - 20));
        assertEquals(directSsim(sr, hr, 2), Metrics.ssim(sr, hr, 2), 1e-12);
    }

    /** SSIM by the definition: explicit 11×11 window on a replicate-padded (by 5) Y image, map averaged. */
    static double directSsim(Tensor sr, Tensor hr, int s) {
        int h = sr.h - 2 * s, w = sr.w - 2 * s;
        double[][] a = new double[h][w], b = new double[h][w];
        double[] k = {65.738 / 256, 129.057 / 256, 25.064 / 256};
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) {
                    a[y][x] += k[c] * Math.rint(sr.get(0, c, y + s, x + s));
                    b[y][x] += k[c] * hr.get(0, c, y + s, x + s);
                }
        double[][] g = new double[11][11];
        double gs = 0;
        for (int i = 0; i < 11; i++)
            for (int j = 0; j < 11; j++) gs += g[i][j] = Math.exp(-((i - 5) * (i - 5) + (j - 5) * (j - 5)) / 4.5);
        double c1 = 6.5025, c2 = 58.5225, sum = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double ma = 0, mb = 0, aa = 0, bb = 0, ab = 0;
                for (int i = 0; i < 11; i++)
                    for (int j = 0; j < 11; j++) {
                        int yy = Math.min(h - 1, Math.max(0, y + i - 5)), xx = Math.min(w - 1, Math.max(0, x + j - 5));
                        double wt = g[i][j] / gs, va = a[yy][xx], vb = b[yy][xx];
                        ma += wt * va; mb += wt * vb; aa += wt * va * va; bb += wt * vb * vb; ab += wt * va * vb;
                    }
                sum += (2 * ma * mb + c1) * (2 * (ab - ma * mb) + c2)
                        / ((ma * ma + mb * mb + c1) * (aa - ma * ma + bb - mb * mb + c2));
            }
        return sum / (h * w);
    }

    static Tensor random(int n, int c, int h, int w, int lo, int hi, long seed) {
        Random r = new Random(seed);
        Tensor t = new Tensor(n, c, h, w);
        for (int i = 0; i < t.data.length; i++) t.data[i] = lo + r.nextInt(hi - lo + 1);
        return t;
    }
}
