package adabm.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.ShapeException;
import adabm.TestGraphs;
import adabm.Upscaler;
import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.backend.onednn.Int8Plan;
import adabm.backend.onednn.Int8PlanTest;
import adabm.backend.onednn.StepTime;
import adabm.graph.Graph;
import adabm.quant.FakeQuantRunner;
import adabm.quant.ForwardHooks;
import adabm.quant.ImageComplexity;
import adabm.quant.PatchedForward;
import adabm.quant.QuantMode;
import adabm.quant.QuantModel;
import adabm.quant.QuantSpec;
import adabm.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The GPU plans against the CPU plans on small random graphs (skipped without a usable GPU). The integer plan is
 * exact on both sides (integer accumulators, the same epilogue arithmetic), so outputs, FAB and offsets must be
 * equal bit for bit, with offsets given and with the bit map applied on the device. The float plan sums in float32
 * in another order than oneDNN: each output differs by a few ulps times sqrt(taps), ~1e-6 of the magnitude for these
 * nets, so 1e-5 of the largest magnitude (as the oneDNN-vs-reference tests) passes while any wrong tap fails.
 *
 * <p>Where libadabm_native cannot load (the GPU machine gets no oneDNN: see tests/gpu/java/), the oracles are the
 * pure-Java ones the CPU plans are themselves tested against: the exact fake-quantized forward
 * ({@link FakeQuantRunner#exact}, equal to the CPU integer plan bit for bit in fq mode, {@code Int8PlanTest}; in body
 * mode up to the float tail, compared as there) and the reference backend for float32.
 */
class CudaPlanGpuTest {
    static final double FLOAT_RELATIVE_TOLERANCE = 1e-5;

    static void assumeGpu() {
        String reason = CudaNative.unavailableReason();
        assumeTrue(reason == null, "no GPU run: " + reason);
    }

    static boolean cpuPlans() { return Int8Plan.unavailableReason() == null; }

    /** The CPU side of a comparison: the native integer plan where it loads, else the exact Java forward. */
    interface IntegerOracle extends AutoCloseable {
        FakeQuantRunner.Forward run(Tensor x, int[] offsets);   // offsets null: the model's bit map
        boolean exact();   // false: body mode on the Java oracle, equal up to the float tail
        @Override void close();
    }

    static IntegerOracle oracle(QuantModel m, QuantSpec spec) {
        if (cpuPlans()) {
            Int8Plan cpu = new Int8Plan(m, 2);
            return new IntegerOracle() {
                public FakeQuantRunner.Forward run(Tensor x, int[] offsets) { return offsets == null ? cpu.run(x) : cpu.run(x, offsets); }
                public boolean exact() { return true; }
                public void close() { cpu.close(); }
            };
        }
        FakeQuantRunner java = FakeQuantRunner.exact(m);
        return new IntegerOracle() {
            public FakeQuantRunner.Forward run(Tensor x, int[] offsets) {
                return offsets == null ? java.run(x, ForwardHooks.NONE) : java.run(x, offsets, ForwardHooks.NONE);
            }
            public boolean exact() { return spec.mode() == QuantMode.FQ; }
            public void close() { java.close(); }
        };
    }

    /** Three different images in one batch, so that the bit map can give each its own offset. */
    static Tensor batch(int h, int w, long seed) {
        Tensor b = new Tensor(3, 3, h, w);
        for (int s = 0; s < 3; s++) {
            Tensor one = TestGraphs.image(h, w, seed + s);
            if (s == 0) for (int i = 0; i < one.data.length; i++) one.data[i] = 100 + 0.2f * (one.data[i] - 100);   // flat: low complexity
            System.arraycopy(one.data, 0, b.data, s * one.data.length, one.data.length);
        }
        return b;
    }

    static void assertSameForward(FakeQuantRunner.Forward want, FakeQuantRunner.Forward got, boolean exact, String what) {
        assertArrayEquals(want.imageOffsets(), got.imageOffsets(), what + ": offsets");
        assertArrayEquals(want.fab(), got.fab(), what + ": FAB");
        Tensor a = want.output(), b = got.output();
        assertArrayEquals(new int[] {a.n, a.c, a.h, a.w}, new int[] {b.n, b.c, b.h, b.w}, what + ": shape");
        if (!exact) {
            Int8PlanTest.assertFloatTail(a, b, what + " (Java oracle, float tail)");
            return;
        }
        int differ = 0;
        for (int i = 0; i < a.data.length; i++) if (Float.floatToRawIntBits(a.data[i]) != Float.floatToRawIntBits(b.data[i])) differ++;
        assertEquals(0, differ, what + ": " + differ + " of " + a.data.length + " outputs differ from the CPU plan's");
    }

    /** Explicit offsets -1, 0, +1 and the bit map, whose thresholds put the three images at different offsets. */
    static void assertIntegerPlansAgree(Graph g, QuantSpec spec, long seed, Tensor x, String what) {
        QuantModel m = Int8PlanTest.calibrated(g, spec, seed);
        double[] cx = ImageComplexity.ofBatch(x);
        double[] sorted = cx.clone();
        java.util.Arrays.sort(sorted);
        m.imageMap().enable((sorted[0] + sorted[1]) / 2, (sorted[1] + sorted[2]) / 2);
        try (IntegerOracle cpu = oracle(m, spec); CudaInt8Plan gpu = new CudaInt8Plan(m)) {
            int[] offsets = {1, -1, 0};
            assertSameForward(cpu.run(x, offsets), gpu.run(x, offsets), cpu.exact(), what + " " + spec + ", explicit offsets");
            FakeQuantRunner.Forward want = cpu.run(x, null), got = gpu.run(x);
            assertEquals(3, java.util.Arrays.stream(want.imageOffsets()).distinct().count(), "the map gives three offsets");
            assertSameForward(want, got, cpu.exact(), what + " " + spec + ", bit map on the device");
            CudaTimes t = gpu.lastTimes();
            assertTrue(t.h2dMs() >= 0 && t.computeMs() > 0 && t.d2hMs() >= 0, t.toString());
            m.imageMap().disable();
            assertSameForward(cpu.run(x, null), gpu.run(x), cpu.exact(), what + " " + spec + ", map disabled");
        }
    }

    @Test void edsrIntegerPlanEqualsTheCpuPlan() {
        assumeGpu();
        Graph g = TestGraphs.tinyEdsr(16, 2, 2, 1);
        assertIntegerPlansAgree(g, new QuantSpec(4, 4, QuantMode.FQ), 10, batch(19, 23, 99), "tiny EDSR");
        assertIntegerPlansAgree(g, new QuantSpec(8, 6, QuantMode.BODY), 20, batch(17, 20, 98), "tiny EDSR");
    }

    @Test void srResNetAndGroupedIntegerPlansEqualTheCpuPlan() {
        assumeGpu();
        assertIntegerPlansAgree(Int8PlanTest.tinySrResNet(6), new QuantSpec(4, 4, QuantMode.FQ), 60, batch(18, 22, 95), "SRResNet-like");
        assertIntegerPlansAgree(Int8PlanTest.tinyGroupedNet(4), new QuantSpec(4, 4, QuantMode.FQ), 40, batch(21, 18, 97), "grouped net");
    }

    @Test void floatPlanMatchesOneDnnWithinFloat32Summation() {
        assumeGpu();
        for (Graph g : List.of(TestGraphs.tinyEdsr(16, 2, 2, 3), Int8PlanTest.tinySrResNet(7), Int8PlanTest.tinyGroupedNet(8))) {
            Tensor x = batch(20, 17, 5);
            String oracle = cpuPlans() ? "onednn" : "java";
            try (Plan cpu = Backends.get(oracle).compile(g, new BackendOptions(2)); Plan gpu = Backends.get("cuda").compile(g, BackendOptions.defaults())) {
                Tensor want = cpu.run(x), got = gpu.run(x);
                assertArrayEquals(new int[] {want.n, want.c, want.h, want.w}, new int[] {got.n, got.c, got.h, got.w}, g.name());
                double magnitude = 0, worst = 0;
                for (float v : want.data) magnitude = Math.max(magnitude, Math.abs(v));
                for (int i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(want.data[i] - got.data[i]));
                System.out.printf("%s float32 on the GPU vs %s: max |diff| %.3e of magnitude %.3e%n", g.name(), oracle, worst, magnitude);
                assertTrue(worst <= FLOAT_RELATIVE_TOLERANCE * magnitude, g.name() + ": max |difference| " + worst + " of " + magnitude);
            }
        }
    }

    @Test void profilesTimesAndLifeCycle() {
        assumeGpu();
        Graph g = TestGraphs.tinyEdsr(16, 1, 2, 9);
        QuantModel m = Int8PlanTest.calibrated(g, new QuantSpec(4, 4, QuantMode.FQ), 30);
        Tensor x = TestGraphs.image(16, 16, 3);
        CudaInt8Plan plan = new CudaInt8Plan(m);
        plan.setProfiling(true);
        plan.run(x);
        List<StepTime> steps = plan.lastProfile();
        assertFalse(steps.isEmpty());
        assertTrue(steps.stream().anyMatch(s -> s.kind() == StepTime.Kind.INT8_CONV), steps.toString());
        assertTrue(steps.stream().allMatch(s -> s.ms() >= 0), steps.toString());
        long convs = g.ops().stream().filter(o -> o instanceof adabm.graph.Op.Conv2d).count();
        assertTrue(plan.int8Macs() > 0 && plan.int8Macs() <= g.macs(16, 16), plan.int8Macs() + " of " + g.macs(16, 16) + " MACs in " + convs + " convs");
        assertThrows(ShapeException.class, () -> plan.run(new Tensor(1, 1, 8, 8)));
        assertThrows(IllegalArgumentException.class, () -> plan.run(x, new int[] {0, 0}));
        plan.close();
        plan.close();   // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> plan.run(x));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());

        try (CudaPlan f = new CudaPlan(g)) {
            f.setProfiling(true);
            f.run(x);
            assertTrue(f.lastProfile().stream().anyMatch(s -> s.kind() == StepTime.Kind.FP32_CONV), f.lastProfile().toString());
            assertTrue(f.lastTimes().computeMs() > 0, f.lastTimes().toString());
        }
    }

    @Test void pinnedSegmentsAreAlignedAndFreed() {
        assumeGpu();
        try (PinnedArena arena = new PinnedArena(CudaNative.instance())) {
            var a = arena.allocate(1 << 20, 64);
            var b = arena.allocate(12, 4);
            assertEquals(0, a.address() % 64);
            a.set(java.lang.foreign.ValueLayout.JAVA_FLOAT, (1 << 20) - 4, 3f);
            assertEquals(3f, a.get(java.lang.foreign.ValueLayout.JAVA_FLOAT, (1 << 20) - 4));
            assertEquals(12, b.byteSize());
        }
    }

    @Test void batchedPatchModeAndTheUpscalerEqualTheCpuSide() {
        assumeGpu();
        QuantSpec spec = new QuantSpec(4, 4, QuantMode.FQ);
        QuantModel m = Int8PlanTest.calibrated(TestGraphs.tinyEdsr(8, 1, 2, 12), spec, 53);
        m.imageMap().enable(20, 60);
        Tensor x = TestGraphs.image(60, 50, 99);   // 3 x 3 tiles of 24: one GPU run
        Upscaler.Options o = Upscaler.Options.defaults().withBackend(Upscaler.CUDA_INT8).withWorkers(1).withTile(24);
        try (IntegerOracle cpu = oracle(m, spec); CudaInt8Plan gpu = new CudaInt8Plan(m); Upscaler up = Upscaler.create(m, o)) {
            PatchedForward.Result want = PatchedForward.run(t -> cpu.run(t, null), x, 24), got = gpu.runPatched(x, 24);
            assertEquals(9, got.tileOffsets().size());
            assertEquals(want.tileOffsets(), got.tileOffsets());
            assertEquals(want.fab(), got.fab(), 0);
            assertArrayEquals(want.output().data, got.output().data, "patch mode, 9 tiles in one GPU run");
            assertArrayEquals(want.output().data, up.upscale(x).data, "the cuda-int8 upscaler");
        }
    }
}
