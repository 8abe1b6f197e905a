package adabm.backend.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.ShapeException;
import adabm.backend.onednn.QuantConv.Geometry;
import adabm.backend.onednn.QuantConv.Requant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The exact integer conv against a float64 oracle that fake-quantizes (ADABM.md §2) and convolves with zero
 * padding. Tolerance: the integer accumulator is exact (s32); what remains is float32 rounding in the final
 * scale/bias arithmetic (acc to float, s_a*s_w, the product, the bias and the border/window corrections: about ten
 * roundings of 2^-24 each, on values no larger than twice M = sum|wq|*(|l| + s_a q) + |bias|, the magnitude sum of
 * the fake-quantized products). So |native - oracle| <= 2^-19 * M per output; a wrong tap, border term or scale is
 * an error of order M / taps, far above it.
 */
class QuantConvTest {
    static final double RELATIVE_BOUND = Math.scalb(1.0, -19);

    static void assumeNative() {
        assumeTrue(QuantConv.unavailableReason() == null, "native qconv unavailable: " + QuantConv.unavailableReason());
    }

    /** The float64 fake-quantized conv and, per output, the magnitude M of the bound above. */
    record Expected(double[] values, double[] magnitude) { }

    static Expected oracle(Geometry g, float[] weight, float[] bias, float uw, int bw, byte[] q, int n, int h, int w,
                           float l, float u, int b, int ho, int wo) {
        double sa = ((double) u - l) / ((1 << b) - 1);
        double levelsW = (1 << bw) - 1;
        double[] wq = new double[weight.length];
        for (int i = 0; i < weight.length; i++) {
            double clamped = Math.min(Math.max(weight[i], -(double) uw), uw);
            double k = Math.rint((clamped + uw) / (2 * (double) uw) * levelsW);
            wq[i] = -uw + k * 2 * (double) uw / levelsW;
        }
        int cg = g.inC() / g.groups(), og = g.outC() / g.groups();
        double[] out = new double[n * ho * wo * g.outC()], mag = new double[out.length];
        for (int ni = 0; ni < n; ni++)
            for (int y = 0; y < ho; y++)
                for (int x = 0; x < wo; x++)
                    for (int o = 0; o < g.outC(); o++) {
                        double sum = bias[o], m = Math.abs(bias[o]);
                        int grp = o / og;
                        for (int i = 0; i < cg; i++)
                            for (int r = 0; r < g.kh(); r++)
                                for (int s = 0; s < g.kw(); s++) {
                                    double wv = wq[((o * cg + i) * g.kh() + r) * g.kw() + s];
                                    m += Math.abs(wv) * Math.abs(l);
                                    int iy = y - g.padT() + r, ix = x - g.padL() + s;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;  // padding: exact 0.0
                                    int code = q[((ni * h + iy) * w + ix) * g.inC() + grp * cg + i] & 0xff;
                                    sum += wv * (l + code * sa);
                                    m += Math.abs(wv) * code * sa;
                                }
                        int at = ((ni * ho + y) * wo + x) * g.outC() + o;
                        out[at] = sum;
                        mag[at] = m;
                    }
        return new Expected(out, mag);
    }

    static byte[] randomCodes(Random rnd, int count, int bits) {
        byte[] q = new byte[count];
        for (int i = 0; i < count; i++) q[i] = (byte) rnd.nextInt(1 << bits);
        return q;
    }

    static float[] uniform(Random rnd, int count, double bound) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        return v;
    }

    static final List<Geometry> GEOMETRIES = List.of(
            Geometry.same(16, 16, 3, 1), Geometry.same(16, 16, 3, 4), Geometry.same(8, 12, 1, 1),
            Geometry.same(16, 8, 1, 4), Geometry.same(8, 16, 5, 1), Geometry.same(16, 16, 5, 4),
            new Geometry(8, 8, 3, 5, 1, 2, 0, 1, 1),                  // non-square kernel, asymmetric padding
            Geometry.same(70, 3, 3, 1), Geometry.same(16, 1, 5, 1));  // few outputs: few_out_conv.h on AVX-512 VNNI
    static final int[][] SIZES = {{1, 1, 1}, {1, 2, 3}, {2, 7, 5}, {1, 3, 12}};   // n, h, w
    static final int[] ACT_BITS = {2, 4, 6, 8};
    static final int[] WEIGHT_BITS = {2, 4, 8};
    static final float[] LOWER = {-0.7f, 0.3f, 0f};

    /** Tallies over many checked runs. */
    static final class Stats {
        int runs, codesCompared, nearTies, tieMismatches;
        double worst, farthestTie;
    }

    /**
     * One random input through both paths (float + codes, codes only) of conv, checked against the oracle: values
     * within the bound, codes equal except next to a tie. The next quantizer clips 5% at both ends of the output.
     */
    static void checkRun(QuantConv conv, float[] weight, float[] bias, float uw, int bw, int n, int h, int w, int b,
                         float l, Random rnd, Stats st) {
        Geometry g = conv.geometry();
        int ho = h + g.padT() + g.padB() - g.kh() + 1, wo = w + g.padL() + g.padR() - g.kw() + 1;
        float u = l + 0.5f + rnd.nextFloat();
        byte[] q = randomCodes(rnd, n * h * w * g.inC(), b);
        Expected e = oracle(g, weight, bias, uw, bw, q, n, h, w, l, u, b, ho, wo);
        double lo = Double.MAX_VALUE, hi = -Double.MAX_VALUE;
        for (double v : e.values()) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        float nextL = (float) (lo + 0.05 * (hi - lo)), nextU = (float) (hi - 0.05 * (hi - lo));
        if (!(nextL < nextU)) { nextL = (float) lo - 1; nextU = (float) hi + 1; }
        Requant next = new Requant(nextL, nextU, ACT_BITS[(st.runs + bw) % ACT_BITS.length]);
        String what = g + " bw=" + bw + " b=" + b + " l=" + l + " input " + n + "x" + h + "x" + w;
        QuantConv.Output out = conv.run(q, n, h, w, l, u, b, next);
        QuantConv.Output direct = conv.runCodes(q, n, h, w, l, u, b, next);
        assertEquals(ho, out.h(), what);
        assertEquals(wo, out.w(), what);
        for (int i = 0; i < e.values().length; i++) {
            double diff = Math.abs(out.values()[i] - e.values()[i]);
            double bound = RELATIVE_BOUND * e.magnitude()[i];
            assertTrue(diff <= bound, what + " at " + i + ": " + out.values()[i] + " vs " + e.values()[i]
                    + " (|diff| " + diff + " > " + bound + ")");
            st.worst = Math.max(st.worst, diff / e.magnitude()[i]);
            for (QuantConv.Output o : new QuantConv.Output[] {out, direct}) {
                Tie tie = checkCode(e.values()[i], bound, next, o.codes()[i] & 0xff,
                        what + (o == out ? " (float path)" : " (codes-only path)") + " at " + i);
                if (tie.near()) st.nearTies++;
                if (tie.differs()) {
                    st.tieMismatches++;
                    st.farthestTie = Math.max(st.farthestTie, tie.distance());
                }
                st.codesCompared++;
            }
        }
        st.runs++;
    }

    static float weightBound(float[] weight) {
        float maxAbs = 0;
        for (float v : weight) maxAbs = Math.max(maxAbs, Math.abs(v));
        return 0.8f * maxAbs;    // some weights clamp
    }

    @Test void matchesFloat64OracleForEveryBitWidthShapeAndGroup() {
        assumeNative();
        Random rnd = new Random(8);
        Stats st = new Stats();
        for (Geometry g : GEOMETRIES) {
            int fanIn = g.inC() / g.groups() * g.kh() * g.kw();
            float[] weight = uniform(rnd, (int) g.weightCount(), 1.7 / Math.sqrt(fanIn));
            float[] bias = uniform(rnd, g.outC(), 0.5);
            float uw = weightBound(weight);
            try (QuantConv conv = new QuantConv(g, weight, bias, 1)) {
                for (int bw : WEIGHT_BITS) {
                    conv.setWeightBits(uw, bw);
                    for (int[] size : SIZES) {
                        int n = size[0], h = size[1], w = size[2];
                        if (h + g.padT() + g.padB() < g.kh() || w + g.padL() + g.padR() < g.kw()) continue;  // no output
                        for (int b : ACT_BITS)
                            for (float l : LOWER) checkRun(conv, weight, bias, uw, bw, n, h, w, b, l, rnd, st);
                    }
                }
            }
        }
        System.out.printf("qconv vs float64 oracle: %d runs, worst |diff|/M %.2e (bound %.2e), %d codes (float and codes-only"
                + " paths), %d within the slack of a tie, %d differ there (at most %.1e code steps from the tie)%n",
                st.runs, st.worst, RELATIVE_BOUND, st.codesCompared, st.nearTies, st.tieMismatches, st.farthestTie);
        assertTrue(st.runs > 500, "ran " + st.runs);
    }

    /** Inputs large enough for the epilogue's parallel loops, on two threads. */
    @Test void matchesOracleOnTwoThreads() {
        assumeNative();
        Random rnd = new Random(9);
        Stats st = new Stats();
        for (Geometry g : List.of(Geometry.same(16, 16, 3, 4), Geometry.same(16, 16, 5, 1))) {
            float[] weight = uniform(rnd, (int) g.weightCount(), 0.3);
            float[] bias = uniform(rnd, g.outC(), 0.5);
            float uw = weightBound(weight);
            try (QuantConv conv = new QuantConv(g, weight, bias, 2)) {
                for (int bw : new int[] {4, 8}) {
                    conv.setWeightBits(uw, bw);
                    checkRun(conv, weight, bias, uw, bw, 2, 40, 30, 6, -0.5f, rnd, st);
                }
            }
        }
        assertEquals(4, st.runs);
    }

    record Tie(boolean near, boolean differs, double distance) { }

    /**
     * The oracle's code for value v is rint(t), t = (clamp(v) - l')/(u' - l') * (2^b' - 1). The native value carries
     * an error up to bound, and t itself is formed in float32 (~1e-5 of a code step near 255): a code may differ by
     * one only where t lies that close to a .5 tie.
     */
    static Tie checkCode(double v, double bound, Requant next, int actual, String what) {
        double levels = (1 << next.bits()) - 1;
        double t = (Math.min(Math.max(v, next.l()), next.u()) - next.l()) / ((double) next.u() - next.l()) * levels;
        int expected = (int) Math.rint(t);
        double slack = bound / ((double) next.u() - next.l()) * levels + 1e-4;
        boolean near = Math.abs(t - Math.floor(t) - 0.5) <= slack;
        if (actual != expected)
            assertTrue(near && Math.abs(actual - expected) == 1, what + ": code " + actual + " vs " + expected + " (t = " + t + ")");
        return new Tie(near, actual != expected, Math.abs(t - Math.floor(t) - 0.5));
    }

    @Test void floatOutputAloneMatchesTheRequantizingRun() {
        assumeNative();
        Random rnd = new Random(3);
        Geometry g = Geometry.same(16, 16, 3, 4);
        float[] weight = uniform(rnd, (int) g.weightCount(), 0.3);
        float[] bias = uniform(rnd, 16, 0.5);
        try (QuantConv conv = new QuantConv(g, weight, bias, 1)) {
            conv.setWeightBits(0.25f, 8);
            byte[] q = randomCodes(rnd, 2 * 9 * 6 * 16, 8);
            QuantConv.Output plain = conv.run(q, 2, 9, 6, -0.4f, 1.1f, 8, null);
            QuantConv.Output both = conv.run(q, 2, 9, 6, -0.4f, 1.1f, 8, new Requant(-1f, 1f, 4));
            assertNull(plain.codes());
            assertEquals(java.util.Arrays.toString(plain.values()), java.util.Arrays.toString(both.values()));
        }
    }

    @Test void ownedSegmentsGiveWhatTheArrayCallsGive() {
        assumeNative();
        Random rnd = new Random(4);
        Geometry g = Geometry.same(8, 16, 3, 1);
        try (QuantConv conv = new QuantConv(g, uniform(rnd, (int) g.weightCount(), 0.3), uniform(rnd, 16, 0.5), 1)) {
            conv.setWeightBits(0.2f, 5);
            byte[] q = randomCodes(rnd, 2 * 6 * 9 * 8, 3);
            Requant next = new Requant(-0.5f, 0.7f, 3);
            QuantConv.Output viaArrays = conv.run(q, 2, 6, 9, 0.1f, 0.9f, 3, next);
            QuantConv.Output codesOnly = conv.runCodes(q, 2, 6, 9, 0.1f, 0.9f, 3, next);
            java.lang.foreign.MemorySegment in = conv.inputBuffer(2, 6, 9);
            assertEquals(q.length, in.byteSize());
            in.copyFrom(java.lang.foreign.MemorySegment.ofArray(q));
            conv.runBuffers(2, 6, 9, 0.1f, 0.9f, 3, next);
            int count = viaArrays.values().length;
            float[] values = conv.outputBuffer().asSlice(0, 4L * count).toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
            byte[] codes = conv.codesBuffer().asSlice(0, count).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertTrue(java.util.Arrays.equals(viaArrays.values(), values));
            assertTrue(java.util.Arrays.equals(viaArrays.codes(), codes));
            conv.runBuffers(2, 6, 9, 0.1f, 0.9f, 3, next, false);
            byte[] direct = conv.codesBuffer().asSlice(0, count).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertTrue(java.util.Arrays.equals(codesOnly.codes(), direct));
        }
    }

    /** oneDNN's "ref" int8 convolution is exact but very slow: the realistic shapes must land on jit/brgemm kernels. */
    @Test void realisticShapesRunOnOptimisedInt8Kernels() {
        assumeNative();
        Random rnd = new Random(5);
        for (int groups : new int[] {1, 4}) {
            Geometry g = Geometry.same(64, 64, 3, groups);
            try (QuantConv conv = new QuantConv(g, uniform(rnd, (int) g.weightCount(), 0.1), uniform(rnd, 64, 0.1), 1)) {
                conv.setWeightBits(0.08f, 4);
                byte[] q = randomCodes(rnd, 32 * 24 * 64, 4);
                conv.run(q, 1, 32, 24, -0.2f, 1f, 4, null);
                String floatPath = conv.implementation();
                conv.runCodes(q, 1, 32, 24, -0.2f, 1f, 4, new Requant(-1f, 1f, 4));
                String codesPath = conv.implementation();   // the u8 conv, then the four border strips
                System.out.println("qconv 64->64 3x3 groups " + groups + ": float path " + floatPath
                        + ", codes-only path " + codesPath.replace('\n', ' '));
                assertEquals(5, codesPath.split("\n").length, codesPath);
                for (String impl : (floatPath + "\n" + codesPath).split("\n")) {
                    assertFalse(impl.isEmpty() || impl.startsWith("ref") || impl.contains(":ref"), "int8 conv runs on " + impl);
                    assertTrue(impl.contains("int8") || impl.contains("x8s8") || impl.contains("brg"), impl);
                }
            }
        }
    }

    /** Without VNNI, oneDNN's s16 pair sums would saturate on 8-bit codes: the split keeps it exact (child JVM). */
    @Test void exactOnCpusWithoutVnni() throws Exception {
        assumeNative();
        for (String isa : new String[] {"AVX2", "AVX512_CORE"}) {
            String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), QuantConvIsaProbe.class.getName()).redirectErrorStream(true);
            String dir = System.getProperty("adabm.native.dir");
            if (dir != null) pb.command().add(1, "-Dadabm.native.dir=" + dir);
            pb.environment().put("ONEDNN_MAX_CPU_ISA", isa);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), isa + ": " + out);
            assertTrue(out.contains("ok"), isa + ": " + out);
            System.out.print("capped at " + isa + ":\n" + out);
        }
    }

    @Test void badArgumentsAreTypedErrors() {
        assumeNative();
        Geometry g = Geometry.same(4, 4, 3, 1);
        float[] weight = new float[4 * 4 * 9], bias = new float[4];
        assertThrows(ShapeException.class, () -> new QuantConv(g, new float[3], bias, 1));
        assertThrows(NativeException.class, () -> new QuantConv(Geometry.same(6, 4, 3, 4), new float[4 * 9], bias, 1));
        // 4096 x 3 x 3 products of 255 x 255 could pass 2^31: refused rather than silently wrapping
        NativeException big = assertThrows(NativeException.class,
                () -> new QuantConv(Geometry.same(4096, 1, 3, 1), new float[4096 * 9], new float[1], 1));
        assertTrue(big.getMessage().contains("overflow"), big.getMessage());
        try (QuantConv conv = new QuantConv(g, weight, bias, 1)) {
            byte[] q = new byte[2 * 2 * 4];
            assertThrows(IllegalStateException.class, () -> conv.run(q, 1, 2, 2, 0f, 1f, 4, null));
            assertThrows(NativeException.class, () -> conv.setWeightBits(0f, 4));
            assertThrows(NativeException.class, () -> conv.setWeightBits(1f, 9));
            conv.setWeightBits(1f, 4);
            assertThrows(NativeException.class, () -> conv.run(q, 1, 2, 2, 1f, 1f, 4, null));
            assertThrows(NativeException.class, () -> conv.run(q, 1, 2, 2, 0f, 1f, 0, null));
            assertThrows(NativeException.class, () -> conv.run(q, 1, 2, 2, 0f, 1f, 4, new Requant(1f, 0f, 4)));
            assertThrows(ShapeException.class, () -> conv.run(new byte[5], 1, 2, 2, 0f, 1f, 4, null));
            NativeException e = assertThrows(NativeException.class, () -> conv.run(q, 1, 0, 2, 0f, 1f, 4, null));
            assertEquals(NativeException.SHAPE, e.code());
            assertEquals(4 * 2 * 2, conv.run(q, 1, 2, 2, 0f, 1f, 4, null).values().length);
            conv.close();
            assertThrows(IllegalStateException.class, () -> conv.run(q, 1, 2, 2, 0f, 1f, 4, null));
        }
    }
}
