package adabm.backend.onednn;

import static adabm.backend.onednn.Int8PlanTest.assumeNative;
import static adabm.backend.onednn.Int8PlanTest.calibrated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.TestData;
import adabm.TestGraphs;
import adabm.eval.Dataset;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.io.ModelLoader;
import adabm.quant.CalibrationMethod;
import adabm.quant.CalibrationPatches;
import adabm.quant.Calibrator;
import adabm.quant.FakeQuantRunner;
import adabm.quant.QuantMode;
import adabm.quant.QuantModel;
import adabm.quant.QuantSpec;
import adabm.tensor.Tensor;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The integer plan's fusion (native/src/fused_chain.h: chains of non-conv ops and the quantize passes after them run
 * as one pass; conv -> ReLU -> pixel shuffle -> conv requantized at once; the float ops right after a quantized
 * conv in its epilogue, int8_epilogue.h) must not move a single bit: the fused
 * plan's output is compared with the unfused plan's (every op and quantize pass on its own, the plan as it was
 * before fusion) by raw float bits, in EXACT and FAST modes. The profile is checked to contain the fused passes the
 * graph should produce, so the comparison is never between two identical schedules.
 */
class Int8PlanFusionTest {

    /** Every chain shape the fusion knows, on small channel counts (C = 3 and 12 make odd chunk sizes). */
    static Graph chainZoo(long seed) {
        Random r = new Random(seed);
        List<Op> ops = new ArrayList<>();
        ops.add(new Op.Affine("sub_mean", "lr", "x0", new float[] {1f / 64}, new float[] {-2f}));   // affine -> codes
        ops.add(TestGraphs.conv(r, "entry", "x0", "e", 3, 12, 3));
        ops.add(new Op.PRelu("e.act", "e", "ea", slopes(r, 12)));                                   // prelu -> f32, codes
        ops.add(TestGraphs.conv(r, "b.c1", "ea", "c1", 12, 12, 3));
        ops.add(new Op.Affine("b.bn1", "c1", "n1", slopes(r, 12), slopes(r, 12)));
        ops.add(new Op.PRelu("b.act", "n1", "a1", new float[] {0.2f}));                            // affine+prelu -> codes
        ops.add(TestGraphs.conv(r, "b.c2", "a1", "c2", 12, 12, 3));
        ops.add(new Op.Affine("b.bn2", "c2", "n2", slopes(r, 12), slopes(r, 12)));
        ops.add(new Op.Add("b.add", "ea", "n2", "s1"));                                            // affine+add, value second
        ops.add(TestGraphs.conv(r, "d.c", "s1", "d", 12, 12, 1));
        ops.add(new Op.Sub("d.sub", "d", "s1", "s2"));
        ops.add(new Op.LeakyRelu("d.leaky", "s2", "s3", 0.1f));                                     // sub+leaky -> f32, codes x2
        ops.add(TestGraphs.conv(r, "two.a", "s3", "ta", 12, 12, 3));
        ops.add(TestGraphs.conv(r, "two.b", "s3", "tb", 12, 12, 1));
        ops.add(new Op.Sub("two.sub", "tb", "ta", "t1"));
        ops.add(new Op.Relu("two.relu", "t1", "t2"));
        ops.add(new Op.Sub("two.sub2", "s1", "t2", "t3"));                                         // sub+relu+sub, value second
        ops.add(new Op.Concat("cat", List.of("t3", "ea", "s3"), "cat"));                           // concat -> codes
        ops.add(TestGraphs.conv(r, "fuse", "cat", "f", 36, 12, 1));
        ops.add(new Op.Add("res", "f", "e", "g"));                                                 // add -> codes
        ops.add(TestGraphs.conv(r, "up1", "g", "u1", 12, 12 * 4, 3));
        ops.add(new Op.Relu("up1.relu", "u1", "u1r"));
        ops.add(new Op.DepthToSpace("up1.shuffle", "u1r", "p1", 2, Op.ShuffleOrder.CRD));           // relu+shuffle -> codes
        ops.add(TestGraphs.conv(r, "up2", "p1", "u2", 12, 12 * 9, 3));
        ops.add(new Op.DepthToSpace("up2.shuffle", "u2", "p2", 3, Op.ShuffleOrder.DCR));
        ops.add(new Op.PRelu("up2.act", "p2", "p2a", slopes(r, 12)));                               // shuffle+prelu -> codes
        ops.add(TestGraphs.conv(r, "up3", "p2a", "u3", 12, 12 * 4, 3));
        ops.add(new Op.DepthToSpace("up3.shuffle", "u3", "p3", 2, Op.ShuffleOrder.CRD));
        ops.add(new Op.Relu("up3.act", "p3", "p3a"));                                              // shuffle+relu -> codes
        ops.add(TestGraphs.conv(r, "exit", "p3a", "o", 12, 3, 3));
        ops.add(new Op.Affine("add_mean", "o", "sr", new float[] {64f}, new float[] {128f}));       // the graph output
        return new Graph("chain-zoo", "lr", 3, ops, "sr", Map.of());
    }

    /** Pixel-shuffle heads of blocks 2 (CRD) and 4 (CRD, DCR) that the requantization cannot take (no conv right before). */
    static Graph shuffleChains(long seed) {
        Random r = new Random(seed);
        List<Op> ops = new ArrayList<>();
        ops.add(TestGraphs.conv(r, "entry", "lr", "e", 3, 8 * 16, 3));
        ops.add(new Op.Affine("bn", "e", "n", slopes(r, 8 * 16), slopes(r, 8 * 16)));
        ops.add(new Op.DepthToSpace("s1", "n", "p1", 4, Op.ShuffleOrder.CRD));
        ops.add(new Op.PRelu("a1", "p1", "q1", slopes(r, 8)));                                    // shuffle 4 + prelu
        ops.add(TestGraphs.conv(r, "c2", "q1", "c", 8, 8 * 16, 3));
        ops.add(new Op.Affine("bn2", "c", "n2", slopes(r, 8 * 16), slopes(r, 8 * 16)));
        ops.add(new Op.DepthToSpace("s2", "n2", "p2", 4, Op.ShuffleOrder.DCR));
        ops.add(new Op.LeakyRelu("a2", "p2", "q2", 0.2f));                                          // shuffle 4 DCR + leaky
        ops.add(TestGraphs.conv(r, "c3", "q2", "d", 8, 8 * 4, 3));
        ops.add(new Op.Affine("bn3", "d", "n3", slopes(r, 8 * 4), slopes(r, 8 * 4)));
        ops.add(new Op.DepthToSpace("s3", "n3", "p3", 2, Op.ShuffleOrder.CRD));
        ops.add(TestGraphs.conv(r, "exit", "p3", "sr", 8, 3, 3));                                  // shuffle 2 -> codes
        return new Graph("shuffle-chains", "lr", 3, ops, "sr", Map.of());
    }

    @Test void shuffleHeadsOfEveryBlockAreBitIdenticalToTheUnfusedPlan() {
        assumeNative();
        QuantModel m = calibrated(shuffleChains(5), new QuantSpec(4, 4, QuantMode.FQ), 81);
        Tensor x = TestGraphs.image(5, 7, 93);
        for (Int8Plan.Mode mode : Int8Plan.Mode.values())
            try (Int8Plan fused = new Int8Plan(m, 2, mode, true); Int8Plan plain = new Int8Plan(m, 2, mode, false)) {
                assertBitIdentical(plain.run(x).output(), fused.run(x).output(), "shuffle chains " + mode);
                assertFusedPasses(fused, x, "shuffle chains " + mode, "depth_to_space+prelu -> codes x1",
                        "depth_to_space+leaky_relu -> codes x1", "depth_to_space -> codes x1");
            }
    }

    static float[] slopes(Random r, int c) {
        float[] s = new float[c];
        for (int i = 0; i < c; i++) s[i] = (float) (r.nextGaussian() * 0.5);
        return s;
    }

    @Test void everyChainKindIsBitIdenticalToTheUnfusedPlan() {
        assumeNative();
        for (QuantSpec spec : List.of(new QuantSpec(4, 4, QuantMode.FQ), new QuantSpec(8, 6, QuantMode.BODY))) {
            QuantModel m = calibrated(chainZoo(3), spec, 80);
            m.imageMap().enable(5, 50);
            Tensor x = TestGraphs.image(13, 11, 95);
            Tensor batch = new Tensor(2, 3, 13, 11);
            System.arraycopy(x.data, 0, batch.data, 0, x.data.length);
            System.arraycopy(TestGraphs.image(13, 11, 94).data, 0, batch.data, x.data.length, x.data.length);
            for (Int8Plan.Mode mode : Int8Plan.Mode.values())
                for (int[] offsets : List.of(new int[] {0, 0}, new int[] {-1, 1})) {
                    String what = "chain zoo " + spec + " " + mode + " offsets " + offsets[0] + "," + offsets[1];
                    try (Int8Plan fused = new Int8Plan(m, 2, mode, true); Int8Plan plain = new Int8Plan(m, 2, mode, false)) {
                        assertBitIdentical(plain.run(batch, offsets).output(), fused.run(batch, offsets).output(), what);
                        if (spec.mode() == QuantMode.FQ) {
                            // the ops right after a quantized conv go into its epilogue (int8_epilogue.h); the rest here
                            assertFusedPasses(fused, batch, what, "affine -> codes x1", "prelu -> f32, codes x1",
                                    "concat -> codes x1", "depth_to_space+prelu -> codes x1", "depth_to_space+relu -> codes x1");
                            assertPassesLeft(fused, batch, what, 1, 1);   // two.sub2, and two.b's codes (a second sink)
                        }
                    }
                }
        }
    }

    /** CARN-M's and SRResNet's real graphs (W4A4 fq) on a Set5 image. */
    @Test void carnMAndSrResNetOnSet5AreBitIdenticalToTheUnfusedPlan() throws Exception {
        assumeNative();
        for (String file : List.of("carn_m_x4.onnx", "srresnet8_x4.onnx")) {
            assumeTrue(Files.exists(TestData.model(file)), file + " not in the shared folder");
            Graph g = ModelLoader.load(TestData.model(file), OptionalInt.empty());
            // min/max bounds from 2 patches: quick, and what fusion must preserve does not depend on the bounds
            List<Tensor> patches = CalibrationPatches.sample(TestData.dataset("Kodak24/LR_bicubic/X4"), 2, 32, 0);
            QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
            try (FakeQuantRunner r = new FakeQuantRunner(m, 2)) {
                Calibrator.calibrate(r, patches, CalibrationMethod.MINMAX);
            }
            Tensor bird = Dataset.open(TestData.dataset("Set5")).pairs(4).stream()
                    .filter(p -> p.name().startsWith("bird")).findFirst().orElseThrow().readLr();   // 72x72
            // EXACT only (the chain zoo covers FAST): plans take most of this test's time
            try (Int8Plan fused = new Int8Plan(m, 2, Int8Plan.Mode.EXACT, true); Int8Plan plain = new Int8Plan(m, 2, Int8Plan.Mode.EXACT, false)) {
                assertBitIdentical(plain.run(bird).output(), fused.run(bird).output(), file + " Set5 bird");
                assertFusedPasses(fused, bird, file, file.startsWith("carn")
                        ? new String[] {"concat -> codes x1", "concat -> f32, codes x1"}
                        : new String[] {"depth_to_space+prelu -> codes x1"});
                // every ReLU, PReLU, batch norm and residual add in a conv epilogue; SRResNet's input quantize remains
                assertPassesLeft(fused, bird, file, 0, file.startsWith("carn") ? 0 : 1);
            }
        }
    }

    static void assertBitIdentical(Tensor expected, Tensor actual, String what) {
        assertEquals(expected.data.length, actual.data.length, what);
        for (int i = 0; i < expected.data.length; i++)
            if (Float.floatToRawIntBits(expected.data[i]) != Float.floatToRawIntBits(actual.data[i]))
                fail(what + ": element " + i + " unfused " + expected.data[i] + ", fused " + actual.data[i]);
    }

    /** At most this many float-op passes and quantize passes of their own are left in the fused plan's profile. */
    static void assertPassesLeft(Int8Plan plan, Tensor x, String what, int floatOps, int quantizes) {
        plan.setProfiling(true);
        plan.run(x);
        List<StepTime> steps = plan.lastProfile();
        plan.setProfiling(false);
        assertTrue(steps.stream().filter(s -> s.kind() == StepTime.Kind.FLOAT_OP).count() <= floatOps, what + ": " + steps);
        assertTrue(steps.stream().filter(s -> s.kind() == StepTime.Kind.QUANTIZE).count() <= quantizes, what + ": " + steps);
    }

    /** The fused plan's profile holds a fused pass of each expected description ("Add+Relu -> f32", ...). */
    static void assertFusedPasses(Int8Plan plan, Tensor x, String what, String... expected) {
        plan.setProfiling(true);
        plan.run(x);
        List<String> fused = plan.lastProfile().stream().filter(s -> s.kind() == StepTime.Kind.FUSED_OPS)
                .map(StepTime::implementation).collect(Collectors.toList());
        plan.setProfiling(false);
        for (String e : expected) assertTrue(fused.contains(e), what + ": no fused pass \"" + e + "\" in " + fused);
    }
}
