package adabm.quant.train;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.eval.Dataset;
import adabm.eval.Progress;
import adabm.graph.Graph;
import adabm.io.torch.TorchModels;
import adabm.quant.*;
import adabm.tensor.Tensor;
import java.util.*;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A short fine-tune of CARN-M x4 at W4A4 (full quantization): AdaBM calibration on 48x48 Kodak24 patches, then one
 * w, a and measure epoch of a few steps each. Prints per-step loss and time, and Set5 PSNR/FAB before and after.
 * Too short to be an accuracy claim: it checks the tape runs on a real graph (grouped, weight-shared convs) and
 * that the loss terms are finite.
 */
@Tag("slow")
class FineTuneCarnSlowTest {
    static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

    @Test void shortFineTuneOnCarnM() {
        Graph g = TorchModels.load(TestData.model("carn_m.pth"), OptionalInt.of(4));
        List<Tensor> patches = CalibrationPatches.sample(TestData.dataset("Kodak24/LR_bicubic/X4"), 16, 48, 0);
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
        try (FakeQuantRunner r = new FakeQuantRunner(m, THREADS)) { Calibrator.calibrate(r, patches, CalibrationMethod.ADABM); }
        QuantEvaluation.Result before = evaluate(m);
        List<FineTuner.StepReport> steps = new ArrayList<>();
        FineTuner.run(m, patches, FineTuner.Options.defaults().withSize(3, 3, 2).withThreads(THREADS), r -> {
            steps.add(r);
            System.out.printf(Locale.ROOT, "epoch %d step %d %-7s loss %.4f (l1 %.4f distill %.4f bit %.4f) FAB %.3f  %.2f s%n",
                    r.epoch(), r.step(), r.stage(), r.loss(), r.l1(), r.distill(), r.bit(), r.batchFab(), r.seconds());
        });
        QuantEvaluation.Result after = evaluate(m);
        System.out.printf(Locale.ROOT, "CARN-M x4 W4A4 Set5: PSNR %.3f -> %.3f dB, FAB %.3f -> %.3f, mean step %.2f s (%d threads)%n",
                before.eval().mean().psnr(), after.eval().mean().psnr(), before.fab(), after.fab(),
                steps.stream().mapToDouble(FineTuner.StepReport::seconds).average().orElse(0), THREADS);
        assertEquals(9, steps.size());
        for (FineTuner.StepReport s : steps) assertTrue(Double.isFinite(s.loss()) && s.loss() > 0, "step loss " + s.loss());
        assertTrue(Double.isFinite(after.eval().mean().psnr()));
    }

    static QuantEvaluation.Result evaluate(QuantModel m) {
        try (FakeQuantRunner r = new FakeQuantRunner(m, THREADS)) {
            return QuantEvaluation.evaluate(r, Dataset.open(TestData.dataset("Set5")), 4, true, Progress.NONE);
        }
    }
}
