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

    /** Where a step's time goes at the paper's patch size (96x96, batch 2): teacher, quantized forward, backward. */
    @Test void stepTimingAtPaperSize() {
        Graph g = TorchModels.load(TestData.model("carn_m.pth"), OptionalInt.of(4));
        List<Tensor> patches = CalibrationPatches.sample(TestData.dataset("Kodak24/LR_bicubic/X4"), 4, 96, 0);
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
        try (FakeQuantRunner r = new FakeQuantRunner(m, THREADS)) {
            Calibrator.calibrate(r, patches, CalibrationMethod.ADABM);
            Tensor batch = Calibrator.stack(patches.subList(0, 2));
            for (int rep = 0; rep < 2; rep++) {   // the second repetition is JIT-warm
                long t0 = System.nanoTime();
                Teacher teacher = Teacher.of(r, batch).channelsLast();
                long t1 = System.nanoTime();
                Tape tape = Tape.record(m, batch, r.kernels());
                long t2 = System.nanoTime();
                FineTuneLoss.Value v = FineTuneLoss.compute(tape.output(), teacher.output(), tape.taps(), teacher.taps(), tape.batchFab(), 4, 50);
                Gradients grads = tape.backward(v.dOutput(), v.dTaps(), v.dBatchFab());
                long t3 = System.nanoTime();
                System.out.printf(Locale.ROOT, "CARN-M x4 96x96 batch 2, %d threads: teacher %.2f s, quantized forward %.2f s, loss + backward %.2f s (%d layers with gradients)%n",
                        THREADS, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, grads.layers().size());
                assertTrue(Double.isFinite(v.total()));
            }
        }
    }

    static QuantEvaluation.Result evaluate(QuantModel m) {
        try (FakeQuantRunner r = new FakeQuantRunner(m, THREADS)) {
            return QuantEvaluation.evaluate(r, Dataset.open(TestData.dataset("Set5")), 4, true, Progress.NONE);
        }
    }
}
