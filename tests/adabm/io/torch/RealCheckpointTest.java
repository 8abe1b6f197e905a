package adabm.io.torch;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.io.F32T;
import adabm.tensor.Tensor;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The shared trained checkpoints against the golden Set5 bird outputs (PyTorch runs of the ONNX graphs, 0..255).
 *
 * Tolerance 2e-3 on 0..255: the ONNX graphs were folded in float64 and stored in float32 (range conversions moved
 * into the first/last convs, mean shifts into biases), so even exact arithmetic would differ from the checkpoint's
 * own float32 weights by a few float32 ulps per layer; MODELS.md measures 6.1e-5 (EDSR), 3.4e-4 (CARN) and
 * 2.1e-4 (CARN-M) between the checkpoints and the ONNX graphs, plus <= 3.1e-4 between float32 engines. 2e-3 leaves
 * ~5x headroom over their sum while still catching any structural error (those show up as >> 1 on 0..255).
 *
 * Whole images take 3-18 s each on the Java reference with 2 threads; the fast tier runs CARN-M x3/x4 whole and the
 * larger models on an interior crop: output pixels farther than the receptive field from the crop border do not
 * see the crop's zero padding, so they equal the same pixels of the whole-image golden.
 */
class RealCheckpointTest {
    static final double TOL = 2e-3;

    @ParameterizedTest
    @CsvSource({"carn_m.pth, 4, carn_m_x4", "carn_m.pth, 3, carn_m_x3"})
    void carnMobileWholeImage(String file, int scale, String golden) throws Exception {
        wholeImage(file, scale, golden);
    }

    @Tag("slow")
    @ParameterizedTest
    @CsvSource({"carn_m.pth, 2, carn_m_x2", "carn_x2.pth, 2, carn_x2", "edsr_baseline8_x2.pt, 2, edsr_baseline8_x2",
            "edsr_baseline8_x2_adabm_layout.pt, 2, edsr_baseline8_x2"})
    void wholeImageSlow(String file, int scale, String golden) throws Exception {
        wholeImage(file, scale, golden);
    }

    @ParameterizedTest
    @CsvSource({"carn_x2.pth, carn_x2", "edsr_baseline8_x2.pt, edsr_baseline8_x2", "edsr_baseline8_x2_adabm_layout.pt, edsr_baseline8_x2"})
    void interiorCropMatchesWholeImageGolden(String file, String golden) throws Exception {
        Graph g = TorchModels.load(TestData.model(file), OptionalInt.empty());
        int s = 2, r = TorchTestSupport.receptiveRadius(g) + 1;
        Tensor lr = adabm.io.image.Images.read(TestData.dataset("Set5/LR_bicubic/X2/birdx2.png"));
        Tensor full = F32T.read(TestData.golden(golden + "_Set5_bird_x2.f32t"));
        int y0 = 40, x0 = 50, size = 24 + 2 * r; // LR crop; its central 24x24 LR pixels are exact
        assertTrue(y0 + size <= lr.h && x0 + size <= lr.w, "crop fits the image");
        long t0 = System.nanoTime();
        Tensor out = TorchTestSupport.run(g, TorchTestSupport.crop(lr, y0, x0, size, size));
        double seconds = (System.nanoTime() - t0) / 1e9;
        Tensor inner = TorchTestSupport.crop(out, r * s, r * s, 24 * s, 24 * s);
        Tensor expected = TorchTestSupport.crop(full, (y0 + r) * s, (x0 + r) * s, 24 * s, 24 * s);
        float diff = inner.maxAbsDiff(expected);
        System.out.printf("%s crop %dx%d (radius %d): max abs diff %.3g on the exact %dx%d HR region, %.2f s%n", file, size, size, r, diff, 48, 48, seconds);
        assertTrue(diff <= TOL, file + ": " + diff);
    }

    @Test void carnMobileSharesWeightsAcrossRepeatedBlocks() {
        Graph g = TorchModels.load(TestData.model("carn_m.pth"), OptionalInt.of(4));
        Op.Conv2d a = conv(g, "b2.b1#1.body.0"), b = conv(g, "b2.b1#3.body.0");
        assertSame(a.weight(), b.weight());
        assertEquals(4, a.groups());
        assertEquals(294_147, g.parameterCount()); // MODELS.md: carn_m_x4 has 294,147 parameters
        assertNotNull(conv(g, "upsample.up4.body.3"));
    }

    @Test void multiScaleCheckpointNeedsAScale() {
        var e = assertThrows(adabm.ModelFormatException.class, () -> TorchModels.load(TestData.model("carn_m.pth"), OptionalInt.empty()));
        assertTrue(e.getMessage().contains("[x2, x3, x4]"), e.getMessage());
        var e8 = assertThrows(adabm.ModelFormatException.class, () -> TorchModels.load(TestData.model("carn_x2.pth"), OptionalInt.of(3)));
        assertTrue(e8.getMessage().contains("no x3 upsampler"), e8.getMessage());
    }

    private static Op.Conv2d conv(Graph g, String name) {
        for (Op.Conv2d c : g.convs()) if (c.name().equals(name)) return c;
        return fail("no conv " + name);
    }

    private static void wholeImage(String file, int scale, String golden) throws Exception {
        Graph g = TorchModels.load(TestData.model(file), OptionalInt.of(scale));
        assertEquals(scale, g.scale());
        Tensor lr = adabm.io.image.Images.read(TestData.dataset("Set5/LR_bicubic/X" + scale + "/birdx" + scale + ".png"));
        Tensor expected = F32T.read(TestData.golden(golden + "_Set5_bird_x" + scale + ".f32t"));
        long t0 = System.nanoTime();
        Tensor out = TorchTestSupport.run(g, lr);
        double seconds = (System.nanoTime() - t0) / 1e9;
        float diff = out.maxAbsDiff(expected);
        System.out.printf("%s x%d whole bird: max abs diff %.3g, %.2f s%n", file, scale, diff, seconds);
        assertTrue(diff <= TOL, file + " x" + scale + ": " + diff);
    }
}
