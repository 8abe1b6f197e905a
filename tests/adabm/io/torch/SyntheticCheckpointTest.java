package adabm.io.torch;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.graph.Graph;
import adabm.io.F32T;
import adabm.tensor.Tensor;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The random-weight RDN and SRResNet fixtures (official key layouts) against their PyTorch goldens on a real 24x20 crop.
 *
 * Tolerance: both outputs are float32 computations of the same network in different summation orders, so they
 * differ by rounding that grows with the magnitude of the values. With random weights the outputs reach ~1000
 * (4x the 0..255 image range), so the bound is 1e-3 per 255 of output magnitude: max|diff| <= 1e-3 * max(1, max|golden| / 255),
 * i.e. about 4 ulp-equivalents of float32 at the outputs' magnitude accumulated over the ~20 layers. A float64 run of
 * the built graph shows how the error splits: both the Java result and the golden stay well within the bound of it.
 */
class SyntheticCheckpointTest {
    @ParameterizedTest
    @CsvSource({"rdn_small_x2, 2, RDN", "rdn_small_x4, 4, RDN", "srresnet_small_x2, 2, SRResNet", "srresnet_small_x4, 4, SRResNet"})
    void reproducesGolden(String name, int scale, String family) throws Exception {
        Path dir = TestData.model("synthetic");
        Graph g = TorchModels.load(dir.resolve(name + ".pt"), OptionalInt.empty());
        assertEquals(family, g.metadata().get("family"));
        assertEquals(scale, g.scale());
        Tensor input = F32T.read(dir.resolve("input_24x20.f32t"));
        Tensor golden = F32T.read(dir.resolve(name + ".golden.f32t"));

        long t0 = System.nanoTime();
        Tensor out = TorchTestSupport.run(g, input);
        double seconds = (System.nanoTime() - t0) / 1e9;

        double[] exact = DoubleOracle.run(g, input);
        float peak = 0;
        for (float v : golden.data) peak = Math.max(peak, Math.abs(v));
        double tol = 1e-3 * Math.max(1, peak / 255.0);
        double javaVsGolden = out.maxAbsDiff(golden), javaVsExact = 0, goldenVsExact = 0;
        for (int i = 0; i < exact.length; i++) {
            javaVsExact = Math.max(javaVsExact, Math.abs(out.data[i] - exact[i]));
            goldenVsExact = Math.max(goldenVsExact, Math.abs(golden.data[i] - exact[i]));
        }
        System.out.printf("%s: java vs golden %.3g, java vs float64 %.3g, golden vs float64 %.3g (peak %.0f, tol %.3g), %.2f s%n",
                name, javaVsGolden, javaVsExact, goldenVsExact, peak, tol, seconds);
        assertTrue(javaVsGolden <= tol, name + ": max abs diff " + javaVsGolden + " > " + tol);
        assertTrue(javaVsExact <= tol / 2, name + ": Java vs float64 " + javaVsExact);
    }
}
