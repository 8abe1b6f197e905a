package adabm.backend.onednn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.TestGraphs;
import adabm.backend.BackendOptions;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.perf.IsaLevel;
import adabm.perf.LayerProfile;
import adabm.perf.LayerProfiler;
import adabm.quant.QuantMode;
import adabm.quant.QuantModel;
import adabm.quant.QuantSpec;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The native per-step profile of the float and integer plans: one record per step of the last run, in order, framed by
 * the two layout reorders; the conv steps are exactly the convs the plans report through their (independent)
 * implementation listings, with the same kernels; profiling changes no output and is off by default. Times are only
 * checked to be non-negative.
 */
class StepProfileTest {
    private static OneDnnPlan floatPlan(Graph g) {
        return (OneDnnPlan) OneDnnTestSupport.onednn().compile(g, new BackendOptions(1));
    }

    private static void assertFramedAndTimed(List<StepTime> steps) {
        assertTrue(steps.size() >= 3, steps.toString());
        assertEquals(StepTime.Kind.REORDER, steps.getFirst().kind());
        assertEquals(StepTime.Kind.REORDER, steps.getLast().kind());
        for (StepTime s : steps) {
            assertTrue(s.ms() >= 0 && Double.isFinite(s.ms()), s.toString());
            assertEquals(s.kind() == StepTime.Kind.REORDER, s.op() == null, s.toString());
            assertEquals(s.kind().conv() || s.kind() == StepTime.Kind.FUSED_OPS, !s.implementation().isEmpty(),
                    "a kernel name for convs, a description for fused passes, nothing else: " + s);
        }
    }

    @Test void floatPlanProfilesEveryStepOfTheLastRun() {
        Graph g = TestGraphs.tinyEdsr(8, 2, 2, 3);
        Tensor x = TestGraphs.image(13, 11, 4);
        try (OneDnnPlan plan = floatPlan(g)) {
            Tensor plain = plan.run(x);
            assertTrue(plan.lastProfile().isEmpty(), "profiling is off by default");
            plan.setProfiling(true);
            Tensor profiled = plan.run(x);
            assertArrayEquals(plain.data, profiled.data, "profiling changes no output");
            List<StepTime> steps = plan.lastProfile();
            assertFramedAndTimed(steps);
            plan.run(x);
            assertEquals(steps.size(), plan.lastProfile().size(), "the profile holds the last run only");

            // the conv steps: every conv of the graph once, in order, with the kernels the plan lists
            List<StepTime> convs = steps.stream().filter(s -> s.kind().conv()).toList();
            assertEquals(g.convs().stream().map(Op::name).toList(), convs.stream().map(s -> s.op().name()).toList());
            assertTrue(convs.stream().allMatch(s -> s.kind() == StepTime.Kind.FP32_CONV));
            assertEquals(List.of(plan.convImplementations().split("\n")), convs.stream().map(StepTime::implementation).toList());
            // the other steps: the ops not fused into a conv (the mean shift before the head, the pixel shuffle)
            assertEquals(List.of("sub_mean", "tail.0.1"), steps.stream().filter(s -> s.kind() == StepTime.Kind.FLOAT_OP).map(s -> s.op().name()).toList());

            plan.setProfiling(false);
            assertTrue(plan.lastProfile().isEmpty(), "turning profiling off clears it");
        }
    }

    @Test void foldedBatchNormIsOneConvStepNamedLikeTheConv() {
        Random r = new Random(5);
        List<Op> ops = new ArrayList<>();
        ops.add(TestGraphs.conv(r, "c1", "x", "y1", 3, 8, 3));
        ops.add(new Op.Affine("bn", "y1", "y2", new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new float[] {0, 1, 0, 1, 0, 1, 0, 1}));
        ops.add(new Op.Relu("relu", "y2", "y3"));
        ops.add(TestGraphs.conv(r, "c2", "y3", "out", 8, 3, 3));
        Graph g = new Graph("bn-net", "x", 3, ops, "out", Map.of());
        Tensor x = TestGraphs.image(9, 10, 6);
        try (OneDnnPlan plan = floatPlan(g)) {
            plan.setProfiling(true);
            List<LayerProfile> rows = LayerProfiler.profile(() -> {
                plan.run(x);
                return plan.lastProfile();
            }, 2, g, x.h, x.w, new LayerProfiler.Machine(IsaLevel.AVX2, 1, 3e9));
            assertEquals(List.of("input reorder", "c1", "c2", "output reorder"), rows.stream().map(LayerProfile::name).toList());
            assertEquals(g.macs(x.h, x.w), rows.stream().mapToLong(LayerProfile::macs).sum(), "MACs of the folded conv = the conv's");
        }
    }

    @Test void integerPlanProfileMatchesItsConvListing() {
        Int8PlanTest.assumeNative();
        Graph g = TestGraphs.tinyEdsr(16, 2, 2, 7);
        for (QuantSpec spec : List.of(new QuantSpec(4, 4, QuantMode.FQ), new QuantSpec(8, 6, QuantMode.BODY))) {
            QuantModel m = Int8PlanTest.calibrated(g, spec, 70);
            Tensor x = TestGraphs.image(15, 12, 8);
            try (Int8Plan plan = new Int8Plan(m, 1)) {
                Tensor plain = plan.run(x).output();
                assertTrue(plan.lastProfile().isEmpty(), "profiling is off by default");
                plan.setProfiling(true);
                assertArrayEquals(plain.data, plan.run(x).output().data, "profiling changes no output");
                List<StepTime> steps = plan.lastProfile();
                assertFramedAndTimed(steps);
                // "op i int8|fp32: kernel" per conv, as the plan lists them
                List<String> listed = List.of(plan.convImplementations().split("\n"));
                List<String> profiled = steps.stream().filter(s -> s.kind().conv())
                        .map(s -> "op " + s.opIndex() + (s.kind() == StepTime.Kind.INT8_CONV ? " int8: " : " fp32: ") + s.implementation()).toList();
                assertEquals(listed, profiled, spec.toString());
                assertEquals(g.convs().size(), profiled.size());
                // every quantized conv's codes come from somewhere: the first one's from the step right before it, a
                // quantize pass or a fused pass that writes codes (here sub_mean's affine)
                StepTime firstInt8 = steps.stream().filter(s -> s.kind() == StepTime.Kind.INT8_CONV).findFirst().orElseThrow();
                StepTime before = steps.get(steps.indexOf(firstInt8) - 1);
                assertTrue(before.kind() == StepTime.Kind.QUANTIZE && before.opIndex() == firstInt8.opIndex()
                        || before.kind() == StepTime.Kind.FUSED_OPS && before.implementation().contains("codes"), steps.toString());
                long macs = LayerProfiler.profile(() -> {
                    plan.run(x);
                    return plan.lastProfile();
                }, 1, g, x.h, x.w, new LayerProfiler.Machine(IsaLevel.AVX2, 1, 3e9)).stream().mapToLong(LayerProfile::macs).sum();
                assertEquals(g.macs(x.h, x.w), macs, "MACs summed over the conv rows = Graph.macs");
            }
        }
    }

    @Test void effectiveIsaAndClockAreReported() {
        OneDnnTestSupport.onednn();
        ProfileNative p = ProfileNative.instance();
        Set<String> known = Set.of("sse41", "avx", "avx2", "avx2_vnni", "avx2_vnni_2", "avx512_core", "avx512_core_vnni", "avx512_core_bf16",
                "avx10_1_512", "avx10_1_512_amx", "avx10_1_512_amx_fp16");
        assertTrue(known.contains(p.effectiveIsa()), p.effectiveIsa());
        double hz = p.measureClockHz(20);
        // a unit check only (Hz, not kHz or cycles): any x86-64 core of the last two decades runs at 0.2..10 GHz
        assertTrue(hz > 2e8 && hz < 1e10, "clock " + hz);
        assertNull(ProfileNative.failure());
    }
}
