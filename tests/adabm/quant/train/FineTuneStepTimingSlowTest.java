package adabm.quant.train;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.backend.Backends;
import adabm.backend.ref.JavaConvKernels;
import adabm.bench.FineTuneStepBench;
import adabm.bench.TimedConvKernels;
import adabm.quant.QuantModel;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A full EDSR-8 x2 fine-tuning step (96x96 batch 2, 2 threads) on the oneDNN conv kernels and on the Java ones, with
 * the breakdown of {@link FineTuneStepBench}. Prints numbers; asserts only that oneDNN is the faster.
 */
@Tag("slow")
class FineTuneStepTimingSlowTest {
    static final int THREADS = 2;

    @Test void edsr8StepOnOneDnnAndJava() throws IOException {
        assumeTrue(Backends.get("onednn").availability().available(), "onednn unavailable");
        QuantModel m = FineTuneStepBench.edsr8Calibrated(THREADS);
        Tensor batch = FineTuneStepBench.batch();
        FineTuneStepBench.Result nat, java;
        try (TimedConvKernels k = new TimedConvKernels(Backends.get("onednn").convKernels(THREADS))) { nat = FineTuneStepBench.time(m, batch, k, 3, 5); }
        try (TimedConvKernels k = new TimedConvKernels(new JavaConvKernels(THREADS))) { java = FineTuneStepBench.time(m, batch, k, 1, 1); }
        System.out.printf(Locale.ROOT, "EDSR-8 x2 w-stage step, 96x96 batch 2, %d threads: onednn %.3f s (cpu %.3f s), java %.3f s (cpu %.3f s)%n",
                THREADS, nat.wallSeconds(), nat.cpuSeconds(), java.wallSeconds(), java.cpuSeconds());
        assertTrue(nat.wallSeconds() < java.wallSeconds());
    }
}
