package adabm.backend.arm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.TestData;
import adabm.backend.Backend;
import adabm.backend.Backends;
import adabm.backend.BackendOptions;
import adabm.backend.ConvKernels;
import adabm.backend.Plan;
import adabm.backend.onednn.Int8Plan;
import adabm.backend.onednn.PlanEncoder;
import adabm.eval.Dataset;
import adabm.eval.Metrics;
import adabm.graph.AffineFolding;
import adabm.graph.Graph;
import adabm.io.ModelLoader;
import adabm.quant.BitAwareClipping;
import adabm.quant.CalibrationMethod;
import adabm.quant.CalibrationPatches;
import adabm.quant.Calibrator;
import adabm.quant.FakeQuantRunner;
import adabm.quant.QuantMode;
import adabm.quant.QuantModel;
import adabm.quant.QuantSpec;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 6, must-hold 1: the aarch64 library (ACL convs, cross-built into target/native-aarch64) runs the same integer
 * plans as the x86-64 library, under qemu-aarch64, on Set5, and its outputs are compared with the x86 Int8Plan's.
 * Beside it, on a 64x64 crop to bound the emulation time: the W8A6 body-mode plan (ACL float tail convs) and the
 * float32 plan, within float32 tolerances, and the ACL convs alone against naive loops.
 * The models are quantized here as in Int8PlanAccuracySlowTest (AdaBM calibration on 16 Kodak24 patches, bit-aware
 * clipping, no fine-tuning), W4A4 fq. Both libraries compute every conv's s32 accumulators exactly (integers) and run
 * the same epilogue source with the same IEEE operations in the same order (no FMA contraction on either), so the
 * outputs are expected to be equal float for float: that is asserted, and the looser bar (>= 99.5 %
 * identical 8-bit pixels, Set5 PSNR within 0.01 dB) is printed beside it. Emulation checks correctness only: the
 * driver's times are qemu's, not an ARM CPU's.
 *
 * <p>Skips where the aarch64 build or qemu-aarch64 is missing, except under CI (CI set), where .ci/run installs the
 * cross tools first and a missing piece is a failure.
 */
class ArmEmulationTest {
    static final Path ARM_DIR = Path.of(System.getProperty("adabm.native.aarch64.dir", "target/native-aarch64"));
    static final Path DRIVER = ARM_DIR.resolve("adabm_plan_driver"), CONV_CHECK = ARM_DIR.resolve("adabm_acl_conv_check");
    static final String QEMU = "qemu-aarch64", SYSROOT = "/usr/aarch64-linux-gnu";

    static Stream<Arguments> cases() {
        return Stream.of(Arguments.of("edsr_baseline8_x2.onnx", 2), Arguments.of("carn_m_x4.onnx", 4));
    }

    static void requireToolchain() {
        String missing = null;
        if (!Files.isExecutable(DRIVER) || !Files.isExecutable(CONV_CHECK))
            missing = ARM_DIR.toAbsolutePath() + " holds no aarch64 build (needs g++-aarch64-linux-gnu and libarm-compute-dev:arm64)";
        else if (!onPath(QEMU)) missing = QEMU + " is not on PATH (Debian package qemu-user)";
        if (missing == null) return;
        if (System.getenv("CI") != null) fail("CI builds and tests the aarch64 library, but " + missing);
        assumeTrue(false, missing);
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":"))
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) return true;
        return false;
    }

    /**
     * The ACL convs alone against naive loops (native/arm/tests/acl_conv_check.cpp): int8 bit for bit, float32 within
     * its bound; on qemu's "max" CPU (with the dot-product instructions, ACL's sdot/udot kernels) and on a Cortex-A53
     * (without them: ACL's widening-multiply kernels, what a Cortex-A72 / Graviton 1 server runs).
     */
    @ParameterizedTest(name = "-cpu {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"max", "cortex-a53"})
    void aclConvsMatchNaiveLoops(String cpu, @TempDir Path dir) throws Exception {
        requireToolchain();
        String log = runUnderQemu(CONV_CHECK, cpu, List.of(), dir);
        System.out.print(log);
        assertTrue(log.matches("(?s).*\\b[1-9][0-9]* passed, 0 failed.*"), "acl_conv_check:\n" + log);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aarch64PlanEqualsX86PlanOnSet5(String file, int scale, @TempDir Path dir) throws Exception {
        Comparison c = compareInt8(file, scale, new QuantSpec(4, 4, QuantMode.FQ), "max",
                images(Dataset.open(TestData.dataset("Set5")).pairs(scale), 0, scale), file + " W4A4 fq Set5", dir);
        assertTrue(c.same8 >= 0.995 * c.total, c.percent8() + "% identical 8-bit pixels");
        assertTrue(Math.abs(c.dPsnr()) <= 0.01, "PSNR differs by " + c.dPsnr() + " dB");
        assertEquals(c.total, c.sameFloat, "floats that differ between the aarch64 and x86 plans");
    }

    /** W4A4 fq on a Cortex-A53 (no dot-product instructions: ACL's other int8 GEMM kernels), still bit for bit. */
    @Test void fqPlanWithoutDotProductEqualsX86(@TempDir Path dir) throws Exception {
        Comparison c = compareInt8("edsr_baseline8_x2.onnx", 2, new QuantSpec(4, 4, QuantMode.FQ), "cortex-a53", butterfly(64),
                "edsr_baseline8_x2 W4A4 fq butterfly 64x64, -cpu cortex-a53", dir);
        assertEquals(c.total, c.sameFloat, "floats that differ between the aarch64 (no dot product) and x86 plans");
    }

    /**
     * W8A6 body mode: the head and tail convs stay float32. The head feeds a quantizer, so it runs the exact float
     * conv of native/src (double sums, the same on both); the tail convs run ACL's float32 GEMM conv against oneDNN's,
     * so outputs may differ by float32 summation order there: the bar (>= 99.5 % identical 8-bit pixels, PSNR
     * within 0.01 dB) is asserted, not equality.
     */
    @Test void bodyModePlanAgreesOnButterflyCrop(@TempDir Path dir) throws Exception {
        Comparison c = compareInt8("edsr_baseline8_x2.onnx", 2, new QuantSpec(8, 6, QuantMode.BODY), "max", butterfly(64),
                "edsr_baseline8_x2 W8A6 body butterfly 64x64", dir);
        assertTrue(c.same8 >= 0.995 * c.total, c.percent8() + "% identical 8-bit pixels");
        assertTrue(Math.abs(c.dPsnr()) <= 0.01, "PSNR differs by " + c.dPsnr() + " dB");
    }

    /**
     * The float32 plan (ACL's float conv plus the post-ops pass of conv_layer_acl.cpp, against oneDNN's fused
     * primitives). Both sum each conv's K products in float32 in their own order; the measured difference is printed
     * and bounded by the float tolerance below.
     */
    @Test void floatPlanAgreesOnButterflyCrop(@TempDir Path dir) throws Exception {
        requireToolchain();
        Graph g = ModelLoader.load(TestData.model("edsr_baseline8_x2.onnx"), OptionalInt.empty());
        Comparison c;
        try (Plan plan = onednn().compile(g, new BackendOptions(2))) {
            c = compare("edsr_baseline8_x2 float32 butterfly 64x64", "max", PlanEncoder.encode(AffineFolding.intoConvs(g)), true,
                    butterfly(64), 2, null, dir, plan::run);
        }
        assertTrue(c.maxAbsDiff <= FLOAT_PLAN_TOLERANCE, "max |diff| " + c.maxAbsDiff + " on 0..255");
        assertTrue(Math.abs(c.dPsnr()) <= 0.001, "PSNR differs by " + c.dPsnr() + " dB");
    }

    /**
     * Output tolerance of the float32 plans on the 0..255 scale. One conv's float32 sum of K terms in another order
     * differs by at most K * 2^-24 * sum|terms| (the bound native/arm/tests/acl_conv_check.cpp asserts per conv; it
     * measured 2e-7 of sum|terms| at most); through EDSR-8's 18 convs and residual adds, outputs of magnitude ~255 with
     * sum|terms| a few times that: 2e-7 x ~1000 x 18 convs ~ 4e-3.
     */
    static final double FLOAT_PLAN_TOLERANCE = 4e-3;

    static Backend onednn() {
        Backend b = Backends.get("onednn");
        assumeTrue(b.availability().available(), "x86 library unavailable: " + b.availability().reason());
        return b;
    }

    /** AdaBM calibration on 16 Kodak24 patches with bit-aware clipping, no fine-tuning (as Int8PlanAccuracySlowTest). */
    static QuantModel calibrated(Graph g, QuantSpec spec, int scale) throws IOException {
        QuantModel m = QuantModel.create(g, spec);
        try (ConvKernels kernels = onednn().convKernels(2); FakeQuantRunner r = new FakeQuantRunner(m, kernels)) {
            List<Tensor> patches = CalibrationPatches.sample(TestData.dataset("Kodak24/LR_bicubic/X" + scale), 16, 48, 0);
            Calibrator.calibrate(r, patches, CalibrationMethod.ADABM);
            BitAwareClipping.apply(r, Calibrator.stack(patches.subList(0, 2)));
        }
        return m;
    }

    /** An LR image and its HR image, both cropped alike or whole. */
    record Image(String name, Tensor lr, Tensor hr) { }

    /** The pairs' images; crop > 0: the top-left crop x crop of each LR image (and its HR region), to bound qemu time. */
    static List<Image> images(List<Dataset.ImagePair> pairs, int crop, int scale) {
        List<Image> out = new ArrayList<>();
        for (Dataset.ImagePair p : pairs) {
            Tensor lr = p.readLr(), hr = p.readHr();
            out.add(crop > 0 ? new Image(p.name(), topLeft(lr, crop), topLeft(hr, crop * scale)) : new Image(p.name(), lr, hr));
        }
        return out;
    }

    /** Set5's butterfly (x2), its top-left crop x crop LR region. */
    static List<Image> butterfly(int crop) {
        return images(Dataset.open(TestData.dataset("Set5")).pairs(2).stream().filter(p -> p.name().equals("butterfly")).toList(), crop, 2);
    }

    static Tensor topLeft(Tensor t, int size) {
        Tensor out = new Tensor(t.n, t.c, size, size, new float[t.n * t.c * size * size]);
        for (int p = 0; p < t.n * t.c; p++)
            for (int y = 0; y < size; y++)
                System.arraycopy(t.data, (p * t.h + y) * t.w, out.data, (p * size + y) * size, size);
        return out;
    }

    /** The aarch64 plan's outputs against the x86 plan's, over the images; printed. */
    record Comparison(long same8, long sameFloat, long total, double maxAbsDiff, double psnrX86, double psnrArm) {
        double dPsnr() { return psnrArm - psnrX86; }
        double percent8() { return 100.0 * same8 / total; }
    }

    interface X86Run { Tensor run(Tensor lr); }

    /** A model quantized to spec (see calibrated), its integer plan on x86 and on aarch64 (qemu -cpu cpu), compared. */
    static Comparison compareInt8(String file, int scale, QuantSpec spec, String cpu, List<Image> images, String what,
                                  Path dir) throws Exception {
        requireToolchain();
        Graph g = ModelLoader.load(TestData.model(file), OptionalInt.empty());
        QuantModel m = calibrated(g, spec, scale);
        try (Arena arena = Arena.ofConfined(); Int8Plan plan = new Int8Plan(m, 2)) {
            return compare(what, cpu, PlanEncoder.encode(g, m, arena).toArray(ValueLayout.JAVA_BYTE), false, images, scale,
                    plan, dir, null);
        }
    }

    /**
     * Runs the x86 plan (int8, or x86Float for a float plan) on each LR image, writes the plan description and
     * inputs (with the x86 run's activation bits) for the driver, runs it under qemu, and compares the outputs.
     */
    static Comparison compare(String what, String cpu, byte[] planBytes, boolean floatPlan, List<Image> images, int scale,
                              Int8Plan int8, Path dir, X86Run x86Float) throws Exception {
        assumeTrue(!images.isEmpty(), "no images");
        List<Tensor> x86 = new ArrayList<>();
        Path planFile = dir.resolve("plan.bin");
        Files.write(planFile, planBytes);
        // on the small crops two plans run each image at the same time (a server's pool of engines sharing ACL's
        // process-wide scheduler) and must agree; the whole data sets run one plan, to bound the emulation time
        String plans = images.stream().anyMatch(im -> im.lr().h * im.lr().w > 64 * 64) ? "1" : "2";
        List<String> args = new ArrayList<>(List.of("--threads", "2", "--plans", plans, "--float", floatPlan ? "1" : "0", planFile.toString()));
        for (Image image : images) {
            Tensor lr = image.lr();
            int[] bits = new int[0];
            if (int8 != null) {
                FakeQuantRunner.Forward f = int8.run(lr);
                x86.add(f.output());
                bits = int8.activationBits(f.imageOffsets()[0]);
            } else {
                x86.add(x86Float.run(lr));
            }
            Path in = dir.resolve(image.name() + ".in");
            writeImage(in, lr, bits);
            args.add(in.toString());
        }
        long t0 = System.nanoTime();
        String log = runUnderQemu(DRIVER, cpu, args, dir);
        System.out.printf("ARM %s: driver under qemu-aarch64 took %.1f s (emulation: not ARM speed)%n%s",
                what, (System.nanoTime() - t0) / 1e9, log);
        assertTrue(log.contains("library backend: acl"), "the driver did not load the ACL library:\n" + log);
        // the integer plan's implementation lines ("op 36 fp32: acl:NEGEMMConvolutionLayer ...") each name a kernel
        assertFalse(java.util.regex.Pattern.compile("^op \\d+ \\w+: *$", java.util.regex.Pattern.MULTILINE).matcher(log).find(),
                "a conv of the plan reports no implementation:\n" + log);

        long same8 = 0, sameFloat = 0, total = 0;
        double maxAbs = 0, psnrX86 = 0, psnrArm = 0;
        for (int i = 0; i < images.size(); i++) {
            Image image = images.get(i);
            Tensor want = x86.get(i), got = readOutput(dir.resolve(image.name() + ".out"));
            assertEquals(List.of(want.n, want.c, want.h, want.w), List.of(got.n, got.c, got.h, got.w), image.name());
            for (int k = 0; k < want.data.length; k++) {
                if (pixel(want.data[k]) == pixel(got.data[k])) same8++;
                if (Float.floatToRawIntBits(want.data[k]) == Float.floatToRawIntBits(got.data[k])) sameFloat++;
                maxAbs = Math.max(maxAbs, Math.abs(want.data[k] - got.data[k]));
            }
            total += want.data.length;
            psnrX86 += Metrics.psnr(want, image.hr(), scale) / images.size();
            psnrArm += Metrics.psnr(got, image.hr(), scale) / images.size();
        }
        Comparison c = new Comparison(same8, sameFloat, total, maxAbs, psnrX86, psnrArm);
        System.out.printf("ARM %s: %d of %d floats identical (max |diff| %.3g), %.4f%% identical 8-bit pixels, PSNR x86 %.4f aarch64 %.4f (delta %+.5f dB)%n",
                what, sameFloat, total, maxAbs, c.percent8(), psnrX86, psnrArm, c.dPsnr());
        return c;
    }

    static int pixel(float v) { return (int) Math.rint(Math.min(255f, Math.max(0f, v))); }

    /**
     * Runs an aarch64 program under qemu-aarch64 on the given CPU model with the cross toolchain's loader (-L) and its
     * runtime (-E): that
     * loader with the multiarch arm64 glibc hangs in pthread_create, which ACL's scheduler calls. Fails on a non-zero
     * exit or after 15 minutes; returns what it printed.
     */
    static String runUnderQemu(Path program, String cpu, List<String> programArgs, Path dir) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(QEMU, "-cpu", cpu, "-L", SYSROOT, "-E", "LD_LIBRARY_PATH=" + SYSROOT + "/lib",
                program.toAbsolutePath().toString()));
        cmd.addAll(programArgs);
        Path log = dir.resolve(program.getFileName() + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(program.getFileName() + " did not finish in 15 minutes under qemu:\n" + Files.readString(log));
        }
        String text = Files.readString(log);
        assertEquals(0, p.exitValue(), program.getFileName() + " failed under qemu:\n" + text);
        return text;
    }

    /** The driver's input format (native/arm/tests/plan_driver.cpp): "ADIN", n, c, h, w, bits, NCHW floats. */
    static void writeImage(Path path, Tensor t, int[] bits) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * 5 + 4 * bits.length + 4 * t.data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("ADIN".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(t.n).putInt(t.c).putInt(t.h).putInt(t.w).putInt(bits.length);
        for (int v : bits) b.putInt(v);
        b.asFloatBuffer().put(t.data);
        Files.write(path, b.array());
    }

    static Tensor readOutput(Path path) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[4];
        b.get(magic);
        assertEquals("ADOU", new String(magic, java.nio.charset.StandardCharsets.US_ASCII), path.toString());
        int n = b.getInt(), c = b.getInt(), h = b.getInt(), w = b.getInt();
        float[] data = new float[n * c * h * w];
        b.asFloatBuffer().get(data);
        return new Tensor(n, c, h, w, data);
    }
}
