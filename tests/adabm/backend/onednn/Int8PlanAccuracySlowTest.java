package adabm.backend.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.TestData;
import adabm.backend.Backend;
import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import adabm.eval.Dataset;
import adabm.eval.Metrics;
import adabm.graph.Graph;
import adabm.io.ModelLoader;
import adabm.quant.BitAwareClipping;
import adabm.quant.CalibrationMethod;
import adabm.quant.CalibrationPatches;
import adabm.quant.Calibrator;
import adabm.quant.FakeQuantRunner;
import adabm.quant.ForwardHooks;
import adabm.quant.PatchedForward;
import adabm.quant.QuantMode;
import adabm.quant.QuantModel;
import adabm.quant.QuantSpec;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 4, must-hold 1, on Set5 and Set14 for EDSR-8 x2, SRResNet x4 and CARN-M x4 at W4A4 fq and W8A6 body (and
 * per tile in patch mode): the integer plan against the fake-quantized forward. The models are quantized here
 * (AdaBM calibration on 16 Kodak24 patches, bit-aware clipping, no fine-tuning).
 *
 * <p>The reference is the exact fake-quant forward ({@link FakeQuantRunner#exact}: every conv's exact value rounded
 * once to float32, plain Java). Asserted, as the issue states it: at least 99.5% identical 8-bit pixels and the data
 * set's PSNR within 0.01 dB. The integer plan computes the same exact values, so in fq mode the outputs are equal
 * bit for bit; in body mode only the float tail convs (oneDNN float32 sums) differ, by float32 rounding. For
 * comparison the float32 fake-quant forward (oneDNN kernels) is measured against the same reference (printed:
 * a float32 conv's summation error moves codes at rounding ties, and in these deep 4-bit networks each moved code
 * moves more). Slow: the reference is plain Java.
 */
@Tag("slow")
class Int8PlanAccuracySlowTest {
    private static final double MIN_IDENTICAL = 0.995, PSNR_TOLERANCE_DB = 0.01;

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("edsr_baseline8_x2.onnx", 2, 4, 4, QuantMode.FQ),
                Arguments.of("edsr_baseline8_x2.onnx", 2, 8, 6, QuantMode.BODY),
                Arguments.of("srresnet8_x4.onnx", 4, 4, 4, QuantMode.FQ),
                Arguments.of("srresnet8_x4.onnx", 4, 8, 6, QuantMode.BODY),
                Arguments.of("carn_m_x4.onnx", 4, 4, 4, QuantMode.FQ),
                Arguments.of("carn_m_x4.onnx", 4, 8, 6, QuantMode.BODY));
    }

    static Backend onednn() {
        Backend b = Backends.get("onednn");
        assumeTrue(b.availability().available(), "onednn unavailable: " + b.availability().reason());
        assumeTrue(Int8Plan.unavailableReason() == null, "integer plan unavailable: " + Int8Plan.unavailableReason());
        return b;
    }

    static QuantModel quantize(String file, int scale, QuantSpec spec, ConvKernels kernels) throws Exception {
        Graph g = ModelLoader.load(TestData.model(file), OptionalInt.empty());
        List<Tensor> patches = CalibrationPatches.sample(TestData.dataset("Kodak24/LR_bicubic/X" + scale), 16, 48, 0);
        QuantModel m = QuantModel.create(g, spec);
        try (FakeQuantRunner r = new FakeQuantRunner(m, kernels)) {
            Calibrator.calibrate(r, patches, CalibrationMethod.ADABM);
            BitAwareClipping.apply(r, Calibrator.stack(patches.subList(0, 2)));
        }
        return m;
    }

    /** Running totals against the reference: identical 8-bit pixels of the integer plan and of fp32 fake-quant, PSNRs. */
    static final class Tally {
        long sameInt8, sameFloat, total;
        double psnrRef, psnrInt8;
        int images;

        void add(Tensor ref, Tensor int8, Tensor fp32, Tensor hr, int scale) {
            assertEquals(ref.data.length, int8.data.length);
            for (int i = 0; i < ref.data.length; i++) {
                int p = Int8PlanTest.pixel(ref.data[i]);
                if (p == Int8PlanTest.pixel(int8.data[i])) sameInt8++;
                if (p == Int8PlanTest.pixel(fp32.data[i])) sameFloat++;
            }
            total += ref.data.length;
            psnrRef += Metrics.psnr(ref, hr, scale);
            psnrInt8 += Metrics.psnr(int8, hr, scale);
            images++;
        }

        /** Prints the numbers; returns the failure, or null. */
        String check(String what) {
            double identical = (double) sameInt8 / total, floatIdentical = (double) sameFloat / total, dPsnr = (psnrInt8 - psnrRef) / images;
            System.out.printf("INT8 %s: int8 %.3f%% identical 8-bit pixels (fp32 fake-quant %.3f%%), PSNR fake-quant %.4f int8 %.4f (delta %+.5f dB)%n",
                    what, identical * 100, floatIdentical * 100, psnrRef / images, psnrInt8 / images, dPsnr);
            if (Math.abs(dPsnr) > PSNR_TOLERANCE_DB) return what + ": PSNR differs by " + dPsnr + " dB";
            if (identical < MIN_IDENTICAL) return what + ": " + identical * 100 + "% identical 8-bit pixels";
            return null;
        }
    }

    @ParameterizedTest(name = "{0} W{2}A{3} {4}")
    @MethodSource("cases")
    void integerPlanMatchesFakeQuantOnSet5AndSet14(String file, int scale, int wb, int ab, QuantMode mode) throws Exception {
        Backend b = onednn();
        try (ConvKernels kernels = b.convKernels(2)) {
            QuantModel m = quantize(file, scale, new QuantSpec(wb, ab, mode), kernels);
            List<String> failures = new java.util.ArrayList<>();
            try (FakeQuantRunner fake = FakeQuantRunner.exact(m); FakeQuantRunner fp32 = new FakeQuantRunner(m, kernels);
                 Int8Plan plan = new Int8Plan(m, 2)) {
                for (String set : List.of("Set5", "Set14")) {
                    Tally tally = new Tally();
                    for (Dataset.ImagePair pair : Dataset.open(TestData.dataset(set)).pairs(scale)) {
                        Tensor lr = pair.readLr();
                        FakeQuantRunner.Forward want = fake.run(lr, ForwardHooks.NONE), got = plan.run(lr);
                        assertEquals(want.fab()[0], got.fab()[0], 0, pair.name());
                        tally.add(want.output(), got.output(), fp32.run(lr, ForwardHooks.NONE).output(), pair.readHr(), scale);
                    }
                    String failure = tally.check(file + " W" + wb + "A" + ab + " " + mode + " " + set);
                    if (failure != null) failures.add(failure);
                }
            }
            assertTrue(failures.isEmpty(), String.join("; ", failures));
        }
    }

    @Test void patchModeMatchesPerTileOnSet5() throws Exception {
        Backend b = onednn();
        try (ConvKernels kernels = b.convKernels(2)) {
            QuantModel m = quantize("edsr_baseline8_x2.onnx", 2, new QuantSpec(4, 4, QuantMode.FQ), kernels);
            try (FakeQuantRunner fake = FakeQuantRunner.exact(m); FakeQuantRunner fp32 = new FakeQuantRunner(m, kernels);
                 Int8Plan plan = new Int8Plan(m, 2)) {
                Tally tally = new Tally();
                for (Dataset.ImagePair pair : Dataset.open(TestData.dataset("Set5")).pairs(2)) {
                    Tensor lr = pair.readLr();
                    PatchedForward.Result want = PatchedForward.run(fake, lr, 96, true), got = plan.runPatched(lr, 96);
                    assertEquals(want.tileOffsets(), got.tileOffsets(), pair.name());
                    assertEquals(want.fab(), got.fab(), 0, pair.name());
                    tally.add(want.output(), got.output(), PatchedForward.run(fp32, lr, 96, true).output(), pair.readHr(), 2);
                }
                String failure = tally.check("edsr_baseline8_x2 W4A4 FQ Set5 patch 96");
                assertTrue(failure == null, failure);
            }
        }
    }
}
