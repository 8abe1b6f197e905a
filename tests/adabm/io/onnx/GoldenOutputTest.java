package adabm.io.onnx;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.io.F32T;
import adabm.tensor.Tensor;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Imported models run in the Java reference backend reproduce the PyTorch goldens on Set5 bird.
 *
 * Tolerance 1e-3 on the 0..255 scale: both sides compute in float32 but sum conv products in different orders.
 * A reordered float32 sum of n products drifts by about sqrt(n) ulps of its magnitude (ulp(255) = 1.5e-5); with
 * n <= 2304 (3x3x256) per output and a few dozen layers that stays at a few 1e-4, and ONNX Runtime vs PyTorch
 * measures up to 3.1e-4 on these files (MODELS.md). Wrong weights, pads, shuffle orders or folds give errors >= 0.1.
 * SRResNet is the exception: its last conv is 9x9x64 = 5184 products summed sequentially by the reference
 * kernel at output magnitude ~255; measured, that one layer accounts for 1.16e-3 (accumulating it in float64 brings
 * the whole model to 2.7e-4 of the golden), so it gets 2e-3.
 *
 * Java reference timings, 2 threads on the 2-core build machine (bird LR; ranges over runs with other builds
 * competing for the cores): fast tier esrgan_slim_x4 0.5-1.5 s, carn_m_x4 1.7-4.2 s, wdsr_b8_x4 1.1-5.4 s,
 * srresnet8_x4 1.9-9.4 s; slow tier (kept out of the default run to hold this class near 10 s): esrgan_slim_x3
 * 1-2.7 s, carn_m_x3 1.7-4.8 s, esrgan_slim_x2 2.1-3.4 s, carn_m_x2 2.4-6 s, edsr_baseline8_x2 4-5.4 s,
 * carn_x2 4.9-10.7 s, rdn_psnr_small_x2 24-36 s. The fast tier covers every op the files use (Pad, DCR and
 * 'valid' convs in WDSR; BN folding and PReLU in SRResNet; group convs and CRD in CARN-M; Resize in esrgan-slim).
 */
class GoldenOutputTest {
    static float tolerance(String model) { return model.startsWith("srresnet") ? 2e-3f : 1e-3f; }

    @ParameterizedTest
    @ValueSource(strings = {"carn_m_x4", "esrgan_slim_x4", "wdsr_b8_x4", "srresnet8_x4"})
    void fastModelsMatchGolden(String model) throws IOException { checkGolden(model); }

    @Tag("slow")
    @ParameterizedTest
    @ValueSource(strings = {"edsr_baseline8_x2", "carn_x2", "carn_m_x2", "carn_m_x3", "rdn_psnr_small_x2", "esrgan_slim_x2", "esrgan_slim_x3"})
    void slowModelsMatchGolden(String model) throws IOException { checkGolden(model); }

    static void checkGolden(String model) throws IOException {
        Graph g = OnnxImporter.load(TestData.model(model + ".onnx"));
        int s = g.scale();
        Tensor lr = adabm.io.image.Images.read(TestData.dataset("Set5").resolve("LR_bicubic/X" + s + "/birdx" + s + ".png"));
        Tensor golden = F32T.read(TestData.golden(model + "_Set5_bird_x" + s + ".f32t"));
        long t0 = System.nanoTime();
        Tensor sr;
        try (Plan p = Backends.get("java").compile(g, new BackendOptions(2))) { sr = p.run(lr); }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(golden.shape(), sr.shape(), model + ": output shape");
        float diff = sr.maxAbsDiff(golden);
        System.out.printf("golden %-18s lr %dx%d  max|diff| %.3g  java-ref %.2f s%n", model, lr.h, lr.w, diff, seconds);
        assertTrue(diff <= tolerance(model), model + ": max abs diff " + diff + " > " + tolerance(model));
    }

    /**
     * Non-square input (woman, LR 57x86 at x4; esrgan-slim for speed) catches H/W mix-ups: the output must be [1,3,4H,4W] and its PSNR-Y
     * against the HR image must equal the reference.json value for this model and image. That value was computed
     * from the PyTorch output; rounding to 8 bits absorbs our 1e-3 float differences except for pixels within 1e-3
     * of a .5 boundary, so 0.01 dB is generous (one flipped level on 1 pixel of 74k moves PSNR by ~1e-5 dB).
     */
    @Test void nonSquareWomanMatchesReferencePsnr() throws IOException {
        String model = "esrgan_slim_x4";
        Graph g = OnnxImporter.load(TestData.model(model + ".onnx"));
        int s = 4;
        Tensor lr = adabm.io.image.Images.read(TestData.dataset("Set5").resolve("LR_bicubic/X4/womanx4.png"));
        Tensor hr = adabm.io.image.Images.read(TestData.dataset("Set5").resolve("HR/woman.png"));
        assertNotEquals(lr.h, lr.w, "woman must be non-square for this test to mean anything");
        Tensor sr;
        try (Plan p = Backends.get("java").compile(g, new BackendOptions(2))) { sr = p.run(lr); }
        assertEquals(Tensor.shapeString(1, 3, lr.h * s, lr.w * s), sr.shape());
        JsonObject ref = JsonParser.parseString(Files.readString(TestData.model("reference.json"))).getAsJsonObject();
        double expected = ref.getAsJsonObject("models").getAsJsonObject(model).getAsJsonObject("results").getAsJsonObject("Set5")
                .getAsJsonObject("per_image").getAsJsonObject("woman").get("psnr_y").getAsDouble();
        double psnr = psnrY(sr, hr, s);
        System.out.printf("woman %s psnr_y %.5f (reference %.5f)%n", model, psnr, expected);
        assertEquals(expected, psnr, 0.01, "PSNR-Y on Set5 woman");
    }

    /** reference.json protocol: round SR, crop HR top-left, Y = sum_c d_c * coef_c / 256, shave s, PSNR. */
    static double psnrY(Tensor sr, Tensor hr, int shave) {
        double[] coef = {65.738, 129.057, 25.064};
        double sum = 0;
        long n = 0;
        for (int y = shave; y < sr.h - shave; y++)
            for (int x = shave; x < sr.w - shave; x++) {
                double dy = 0;
                for (int c = 0; c < 3; c++) {
                    double v = Math.rint(Math.min(255, Math.max(0, sr.get(0, c, y, x))));
                    dy += (v - hr.get(0, c, y, x)) / 255.0 * coef[c] / 256.0;
                }
                sum += dy * dy;
                n++;
            }
        return -10 * Math.log10(sum / n);
    }
}
