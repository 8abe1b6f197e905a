package adabm.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import adabm.TestData;
import adabm.io.image.Images;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * BSD100 and Kodak24 in full: every LR file (generated with the bit-exact imresize port) is reproduced exactly, and
 * the bicubic baseline matches reference.json on every image.
 */
@Tag("slow")
class BicubicAllSetsSlowTest {
    @ParameterizedTest(name = "{0} x{1}")
    @CsvSource({"BSD100,2", "BSD100,3", "BSD100,4", "Kodak24,2", "Kodak24,3", "Kodak24,4"})
    void everyLrFileIsReproduced(String set, int s) {
        List<String> differing = new ArrayList<>();
        for (Dataset.ImagePair p : Dataset.open(TestData.dataset(set)).pairs(s)) {
            Tensor ours = Bicubic.downscale(Images.read(p.hr()), s);
            if (ours.maxAbsDiff(p.readLr()) != 0) differing.add(p.name());
        }
        assertEquals(List.of(), differing);
    }

    @ParameterizedTest(name = "{0} x{1}")
    @CsvSource({"BSD100,2", "BSD100,3", "BSD100,4", "Kodak24,2", "Kodak24,3", "Kodak24,4"})
    void bicubicBaselineMatchesReference(String set, int s) {
        EvalResult r = Evaluator.evaluate("bicubic", "java", Dataset.open(TestData.dataset(set)), s, Bicubic.upscaler(s), Progress.NONE);
        com.google.gson.JsonObject ref = Reference.bicubic(s, set);
        System.out.printf("%s x%d MEAN psnr %.6f (ref %.6f) ssim %.6f (ref %.6f)%n", set, s, r.mean().psnr(),
                ref.get("psnr_y").getAsDouble(), r.mean().ssim(), ref.get("ssim_y").getAsDouble());
        for (EvalResult.ImageResult im : r.images()) {
            com.google.gson.JsonObject e = ref.getAsJsonObject("per_image").getAsJsonObject(im.name());
            assertEquals(e.get("psnr_y").getAsDouble(), im.psnr(), BicubicBaselineTest.PSNR_TOL, im.name());
            assertEquals(e.get("ssim_y").getAsDouble(), im.ssim(), BicubicBaselineTest.SSIM_TOL, im.name());
        }
        assertEquals(ref.get("psnr_y").getAsDouble(), r.mean().psnr(), BicubicBaselineTest.PSNR_TOL);
        assertEquals(ref.get("ssim_y").getAsDouble(), r.mean().ssim(), BicubicBaselineTest.SSIM_TOL);
    }
}
