package adabm.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import adabm.TestData;
import com.google.gson.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The classic bicubic baseline through the Evaluator reproduces reference.json's "bicubic" section. The reference
 * holds 6 decimals and our arithmetic is the same float64 on the same integers, so the tolerance is the printing
 * precision (the brief allowed 0.01 dB / 0.0005; measured: at most 1e-6 on every image).
 */
class BicubicBaselineTest {
    static final double PSNR_TOL = 1e-5, SSIM_TOL = 2e-6;

    @ParameterizedTest(name = "{0} x{1}")
    @CsvSource({"Set5,2", "Set5,3", "Set5,4", "Set14,2", "Set14,3", "Set14,4"})
    void bicubicUpscaleMatchesReference(String set, int s) {
        EvalResult result = Evaluator.evaluate("bicubic", "java", Dataset.open(TestData.dataset(set)), s,
                Bicubic.upscaler(s), Progress.NONE);
        JsonObject ref = Reference.bicubic(s, set);
        JsonObject perImage = ref.getAsJsonObject("per_image");
        assertEquals(ref.get("n_images").getAsInt(), result.images().size());
        StringBuilder report = new StringBuilder();
        for (EvalResult.ImageResult r : result.images()) {
            JsonObject e = perImage.getAsJsonObject(r.name());
            report.append(String.format("%s x%d %-10s psnr %.6f (ref %.6f) ssim %.6f (ref %.6f)%n", set, s, r.name(),
                    r.psnr(), e.get("psnr_y").getAsDouble(), r.ssim(), e.get("ssim_y").getAsDouble()));
        }
        report.append(String.format("%s x%d MEAN psnr %.6f (ref %.6f) ssim %.6f (ref %.6f)%n", set, s,
                result.mean().psnr(), ref.get("psnr_y").getAsDouble(), result.mean().ssim(), ref.get("ssim_y").getAsDouble()));
        System.out.print(report);
        for (EvalResult.ImageResult r : result.images()) {
            JsonObject e = perImage.getAsJsonObject(r.name());
            assertEquals(e.get("psnr_y").getAsDouble(), r.psnr(), PSNR_TOL, r.name());
            assertEquals(e.get("ssim_y").getAsDouble(), r.ssim(), SSIM_TOL, r.name());
        }
        assertEquals(ref.get("psnr_y").getAsDouble(), result.mean().psnr(), PSNR_TOL);
        assertEquals(ref.get("ssim_y").getAsDouble(), result.mean().ssim(), SSIM_TOL);
    }
}
