package adabm.eval;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.io.F32T;
import adabm.io.ModelLoader;
import adabm.tensor.Tensor;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End to end: every trained model in ../shared (ONNX files and PyTorch checkpoints) run on a backend reproduces the
 * float32 PSNR/SSIM of reference.json on Set5 and Set14 (mean within 0.01 dB / 0.0005, issue 2) and the golden bird
 * output within 1e-2 on the 0..255 scale.
 *
 * Why the bounds hold: float32 engines differ from the PyTorch run by ≤ ~5e-4 per output value (MODELS.md §1 measures
 * ≤ 3.1e-4 for ONNX Runtime); after rounding to 8 bits that flips only values sitting within 5e-4 of a .5 boundary,
 * i.e. about 1 pixel in 1000 moves by one level, which moves PSNR by ~1e-4 dB — two orders below 0.01 dB.
 */
class ModelAccuracyTest {
    static final double PSNR_TOL = 0.01, SSIM_TOL = 0.0005, GOLDEN_TOL = 1e-2;

    /** (model file, scale for multi-scale checkpoints or 0, reference.json model name). */
    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("edsr_baseline8_x2.onnx", 0, "edsr_baseline8_x2"),
                Arguments.of("wdsr_b8_x4.onnx", 0, "wdsr_b8_x4"),
                Arguments.of("srresnet8_x4.onnx", 0, "srresnet8_x4"),
                Arguments.of("carn_x2.onnx", 0, "carn_x2"),
                Arguments.of("carn_m_x2.onnx", 0, "carn_m_x2"),
                Arguments.of("carn_m_x3.onnx", 0, "carn_m_x3"),
                Arguments.of("carn_m_x4.onnx", 0, "carn_m_x4"),
                Arguments.of("rdn_psnr_small_x2.onnx", 0, "rdn_psnr_small_x2"),
                Arguments.of("esrgan_slim_x2.onnx", 0, "esrgan_slim_x2"),
                Arguments.of("esrgan_slim_x3.onnx", 0, "esrgan_slim_x3"),
                Arguments.of("esrgan_slim_x4.onnx", 0, "esrgan_slim_x4"),
                Arguments.of("edsr_baseline8_x2.pt", 0, "edsr_baseline8_x2"),
                Arguments.of("edsr_baseline8_x2_adabm_layout.pt", 0, "edsr_baseline8_x2"),
                Arguments.of("carn_x2.pth", 0, "carn_x2"),
                Arguments.of("carn_m.pth", 2, "carn_m_x2"),
                Arguments.of("carn_m.pth", 3, "carn_m_x3"),
                Arguments.of("carn_m.pth", 4, "carn_m_x4"));
    }

    static Graph load(String file, int scale) throws Exception {
        return ModelLoader.load(TestData.model(file), scale == 0 ? OptionalInt.empty() : OptionalInt.of(scale));
    }

    @ParameterizedTest(name = "{0} x{1} on oneDNN = reference.json {2} Set5 + golden")
    @MethodSource("models")
    void oneDnnReproducesReferenceOnSet5AndGolden(String file, int scale, String ref) throws Exception {
        Graph g = load(file, scale);
        try (Plan plan = Backends.get("onednn").compile(g, new BackendOptions(2))) {
            checkAgainstReference(file, ref, "Set5", g.scale(), plan);
            checkGolden(file, ref, g.scale(), plan);
        }
    }

    /** Set14 has 5x the pixels of Set5: a few minutes for all 17 models on 2 cores, so in the slow tier. */
    @Tag("slow")
    @ParameterizedTest(name = "{0} x{1} on oneDNN = reference.json {2} Set14")
    @MethodSource("models")
    void oneDnnReproducesReferenceOnSet14(String file, int scale, String ref) throws Exception {
        Graph g = load(file, scale);
        try (Plan plan = Backends.get("onednn").compile(g, new BackendOptions(2))) {
            checkAgainstReference(file, ref, "Set14", g.scale(), plan);
        }
    }

    /** The pure-Java reference on the two models issue 2 names; slow (minutes), so not in the default tier. */
    @Tag("slow")
    @ParameterizedTest(name = "{0} on the Java reference = reference.json Set5")
    @MethodSource("javaModels")
    void javaReferenceReproducesReferencePsnrAndSsim(String file, String ref) throws Exception {
        Graph g = load(file, 0);
        try (Plan plan = Backends.get("java").compile(g, new BackendOptions(0))) {
            checkAgainstReference(file, ref, "Set5", g.scale(), plan);
        }
    }

    static Stream<Arguments> javaModels() {
        return Stream.of(Arguments.of("carn_m_x4.onnx", "carn_m_x4"), Arguments.of("edsr_baseline8_x2.onnx", "edsr_baseline8_x2"));
    }

    private static void checkAgainstReference(String file, String ref, String set, int scale, Plan plan) {
        EvalResult r = Evaluator.evaluate(file, "test", Dataset.open(TestData.dataset(set)), scale, plan, Progress.NONE);
        JsonObject expected = Reference.model(ref, set);
        assertEquals(expected.get("n_images").getAsInt(), r.images().size(), set + " image count");
        assertEquals(expected.get("psnr_y").getAsDouble(), r.mean().psnr(), PSNR_TOL, file + " " + set + " mean PSNR");
        assertEquals(expected.get("ssim_y").getAsDouble(), r.mean().ssim(), SSIM_TOL, file + " " + set + " mean SSIM");
        JsonObject perImage = expected.getAsJsonObject("per_image");
        for (EvalResult.ImageResult i : r.images()) {
            JsonObject e = perImage.getAsJsonObject(i.name());
            assertNotNull(e, "reference.json has no image " + i.name());
            assertEquals(e.get("psnr_y").getAsDouble(), i.psnr(), PSNR_TOL, file + " " + set + "/" + i.name() + " PSNR");
            assertEquals(e.get("ssim_y").getAsDouble(), i.ssim(), SSIM_TOL, file + " " + set + "/" + i.name() + " SSIM");
        }
        System.out.printf("%s %s: PSNR %.4f (ref %.4f)  SSIM %.5f (ref %.5f)%n", file, set, r.mean().psnr(),
                expected.get("psnr_y").getAsDouble(), r.mean().ssim(), expected.get("ssim_y").getAsDouble());
    }

    private static void checkGolden(String file, String ref, int scale, Plan plan) throws Exception {
        Path lr = TestData.dataset("Set5").resolve("LR_bicubic/X" + scale + "/birdx" + scale + ".png");
        Tensor golden = F32T.read(TestData.golden(ref + "_Set5_bird_x" + scale + ".f32t"));
        Tensor out = plan.run(adabm.io.image.Images.read(lr));
        float diff = out.maxAbsDiff(golden);
        System.out.printf("%s golden bird x%d: max abs diff %.2e%n", file, scale, diff);
        assertTrue(diff <= GOLDEN_TOL, file + ": max abs diff to golden " + diff);
    }

    @Test void tiledRunOnOneDnnMatchesWholeImage() throws Exception {
        // tiles of another shape may use other oneDNN kernel blockings: float32 summation order only, so the
        // difference stays at the engine-vs-engine level (≤ 1e-3 on 0..255, see class comment), far below one 8-bit level
        Graph g = load("carn_m_x4.onnx", 0);
        Tensor lr = adabm.io.image.Images.read(TestData.dataset("Set5").resolve("LR_bicubic/X4/babyx4.png"));
        try (Plan plan = Backends.get("onednn").compile(g, new BackendOptions(1))) {
            Tensor whole = plan.run(lr);
            adabm.backend.TiledRunner tiled = new adabm.backend.TiledRunner(plan, g, 48);
            assertTrue(tiled.halo() > 0);
            assertTrue(whole.maxAbsDiff(tiled.run(lr)) <= 1e-3f);
        }
    }
}
