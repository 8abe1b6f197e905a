package adabm.quant.train;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.backend.Backend;
import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import adabm.backend.ref.JavaConvKernels;
import adabm.graph.Graph;
import adabm.quant.*;
import adabm.tensor.Layout;
import adabm.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fake-quantized forward ({@link FakeQuantRunner}) and the tape's forward and gradients on the oneDNN conv kernels
 * against the pure-Java kernels, on the calibrated tiny models of {@link TapeGradientTest} (every quant mode, and the
 * all-ops graph). The two differ only by float32 summation order inside each conv (~1e-7 relative per layer, see
 * OneDnnConvKernelsTest); an activation that lands within that of a rounding boundary of the next quantizer would
 * move by one step, which these fixed inputs do not hit. Outputs must agree to 1e-5 of their magnitude, gradients
 * (sums in double of many such terms) to 1e-4 of the largest gradient of the same kind.
 */
class OneDnnTapeTest {
    static ConvKernels onednn() {
        Backend b = Backends.get("onednn");
        assumeTrue(b.availability().available(), "onednn unavailable: " + b.availability().reason());
        return b.convKernels(2);
    }

    @Test void runnerAndTapeAgreeWithJavaKernels() {
        Tensor batch = TapeGradientTest.batch();
        try (ConvKernels native_ = onednn(); ConvKernels java = new JavaConvKernels(1)) {
            for (QuantMode mode : QuantMode.values()) compare(TapeGradientTest.model(mode, batch), batch, native_, java);
            compare(TapeGradientTest.model(TapeGradientTest.allOps(), QuantMode.FQ, batch), batch, native_, java);
        }
    }

    private static void compare(QuantModel m, Tensor batch, ConvKernels nat, ConvKernels java) {
        String what = m.graph().name() + " " + m.spec().mode();
        FakeQuantRunner.Forward fj, fn;
        Teacher teacher;
        try (FakeQuantRunner rj = new FakeQuantRunner(m, java); FakeQuantRunner rn = new FakeQuantRunner(m, nat)) {
            fj = rj.run(batch, ForwardHooks.NONE);
            fn = rn.run(batch, ForwardHooks.NONE);
            teacher = Teacher.of(rj, batch);
            assertClose(teacher.output(), Teacher.of(rn, batch).output(), 1e-5, what + " float forward");
            teacher = teacher.channelsLast();
        }
        assertClose(fj.output(), fn.output(), 1e-5, what + " runner output");
        assertArrayEquals(fj.fab(), fn.fab(), what + " FAB");

        Tape tj = Tape.record(m, batch, java), tn = Tape.record(m, batch, nat);
        assertClose(tj.output(), tn.output(), 1e-5, what + " tape output");
        // the tape convolves channels last (other oneDNN kernels than the runner's NCHW calls): same tolerance
        assertClose(fn.output(), Layout.toNchw(tn.output()), 1e-5, what + ": tape and runner on oneDNN");
        int base = m.spec().activationBits();
        FineTuneLoss.Value v = FineTuneLoss.compute(tj.output(), teacher.output(), tj.taps(), teacher.taps(), tj.batchFab(), base, 50);
        for (boolean weightBounds : new boolean[] {true, false}) {
            Gradients gj = tj.backward(v.dOutput(), v.dTaps(), v.dBatchFab(), weightBounds);
            Gradients gn = tn.backward(v.dOutput(), v.dTaps(), v.dBatchFab(), weightBounds);
            assertEquals(gj.layers().keySet(), gn.layers().keySet(), what);
            double[] scale = new double[4];   // largest |gradient| of each parameter kind over the layers
            for (Gradients.Layer a : gj.layers().values()) {
                scale[0] = Math.max(scale[0], Math.abs(a.weightBound));
                scale[1] = Math.max(scale[1], Math.max(Math.abs(a.lower), Math.abs(a.upper)));
                scale[2] = scale[1];
                scale[3] = Math.max(scale[3], Math.abs(a.logit));
            }
            for (Map.Entry<String, Gradients.Layer> e : gj.layers().entrySet()) {
                Gradients.Layer a = e.getValue(), b = gn.layers().get(e.getKey());
                String at = what + " " + e.getKey() + (weightBounds ? "" : " (no weight bounds)");
                assertGradient(a.weightBound, b.weightBound, scale[0], at + " uw");
                assertGradient(a.lower, b.lower, scale[1], at + " l");
                assertGradient(a.upper, b.upper, scale[2], at + " u");
                assertGradient(a.logit, b.logit, scale[3], at + " logit");
                if (weightBounds && m.layer(e.getKey()).kind().quantized()) assertNotEquals(0.0, a.weightBound, at + " uw has a gradient");
                if (!weightBounds) assertEquals(0.0, b.weightBound, at + " uw is skipped");
            }
            double tau = Math.max(Math.abs(gj.tauLow), Math.abs(gj.tauHigh));
            assertGradient(gj.tauLow, gn.tauLow, tau, what + " tauLow");
            assertGradient(gj.tauHigh, gn.tauHigh, tau, what + " tauHigh");
        }
    }

    /**
     * Within 1e-4 of the largest gradient of the same parameter kind: one layer's gradient can cancel down far
     * below the terms it sums (observed: 2.5e-6 from terms near 1e-3), its float32 noise does not.
     */
    static void assertGradient(double expected, double actual, double scale, String what) {
        assertEquals(expected, actual, 1e-4 * scale + 1e-12, what);
    }

    static void assertClose(Tensor expected, Tensor actual, double rel, String what) {
        assertEquals(expected.shape(), actual.shape(), what);
        float scale = 0;
        for (float x : expected.data) scale = Math.max(scale, Math.abs(x));
        float diff = expected.maxAbsDiff(actual);
        System.out.printf("%-40s max |diff| %.3g of max |ref| %.3g%n", what, diff, scale);
        assertTrue(diff <= rel * scale, what + ": max |diff| " + diff + " > " + rel + " x " + scale);
    }
}
