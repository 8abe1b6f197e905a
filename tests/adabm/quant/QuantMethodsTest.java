package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.TestData;
import adabm.backend.Backend;
import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import adabm.eval.Dataset;
import adabm.eval.Progress;
import adabm.graph.Graph;
import adabm.io.ModelLoader;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The small, fast version of issue 3's must-hold 1 (the full one, with fine-tuning, is bench/QuantReport): on EDSR-8
 * x2, W4A4 fq, calibrated on 16 Kodak24 patches of 48x48 without fine-tuning, AdaBM (calibration + bit-aware
 * clipping) beats MinMax on Set5 by a wide margin and stays within 1.5 dB of float32 (37.80 dB; the full run measured
 * 0.80 dB without and 0.72 dB with fine-tuning), and its FAB follows the image offsets of the five images.
 */
class QuantMethodsTest {
    @Test void adabmBeatsMinMaxOnSet5WithoutFineTuning() throws Exception {
        Backend b = Backends.get("onednn");
        assumeTrue(b.availability().available(), "onednn unavailable: " + b.availability().reason());
        Graph g = ModelLoader.load(TestData.model("edsr_baseline8_x2.onnx"), OptionalInt.empty());
        List<Tensor> patches = CalibrationPatches.sample(TestData.dataset("Kodak24/LR_bicubic/X2"), 16, 48, 0);
        Dataset set5 = Dataset.open(TestData.dataset("Set5"));
        QuantSpec spec = new QuantSpec(4, 4, QuantMode.FQ);
        try (ConvKernels k = b.convKernels(2)) {
            CalibrationStats stats;
            try (FakeQuantRunner r = new FakeQuantRunner(QuantModel.create(g, spec), k)) {
                stats = CalibrationStats.collect(r, patches, Calibrator.Options.defaults(), false);
            }
            QuantModel minmax = QuantModel.create(g, spec), adabm = QuantModel.create(g, spec);
            stats.apply(minmax, CalibrationMethod.MINMAX);
            stats.apply(adabm, CalibrationMethod.ADABM);
            QuantEvaluation.Result mm, ab;
            try (FakeQuantRunner r = new FakeQuantRunner(minmax, k)) { mm = QuantEvaluation.evaluate(r, set5, 2, true, Progress.NONE); }
            try (FakeQuantRunner r = new FakeQuantRunner(adabm, k)) {
                BitAwareClipping.apply(r, Calibrator.stack(patches.subList(0, 2)));
                ab = QuantEvaluation.evaluate(r, set5, 2, true, Progress.NONE);
            }
            double pm = mm.eval().mean().psnr(), pa = ab.eval().mean().psnr();
            assertEquals(4.0, mm.fab(), 0, "MinMax runs every counted layer at the base bits");
            assertTrue(pa > pm + 1.0, "AdaBM " + pa + " dB vs MinMax " + pm + " dB");
            assertTrue(pa > 37.80 - 1.5, "AdaBM drop from float32 37.80 dB: " + pa);
            // FAB of each image = base + its image offset + mean layer offset (exact: the maps decide the bits)
            for (int i = 0; i < ab.imageOffsets().size(); i++)
                assertEquals(adabm.fabFor(ab.imageOffsets().get(i)), ab.imageFab().get(i), 1e-12);
        }
    }
}
