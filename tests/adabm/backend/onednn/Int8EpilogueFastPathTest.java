package adabm.backend.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The int8 conv epilogue's AVX-512 one pass (native/src/epilogue_avx512.cpp) against its portable loops and against
 * Java's formulas, through the test hook adabm_epilogue_check: every float and every code must be identical.
 * The formulas: v = (float) (scale * A + (borderCoef * S + bias)) in double (ExactQuantConv's), the fused stages in
 * float32 (RefKernels' affine, PReLU, add, sub), and the quantizer code rint((clamp(x, lower, u) - l) / (u - l) *
 * (2^b - 1)) with its correctly rounded division (Quantizers.activationCode; a NaN goes to the lower bound, as the
 * native code documents). The quantizer test feeds each quantizer the values where its code changes: every
 * threshold T_k (the smallest float with code >= k, found by bisection over float bit patterns) and its float
 * neighbours, plus the bounds, values outside them, +-0, +-infinity and NaN. On a CPU without AVX-512 both runs take
 * the portable loops (the test says so and still checks them against Java).
 */
class Int8EpilogueFastPathTest {
    private static final ValueLayout PTR = ValueLayout.ADDRESS;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE;

    private static final int AFFINE = 0, PRELU = 1, ADD = 2, SUB = 3, OTHER_FIRST = 4, UNIFORM = 8, RELU = 256;

    /** One epilogue: a 1 x pixels image of a 1x1 conv (every tap inside), as adabm.h's adabm_epilogue_check. */
    private static final class Case {
        int pixels, channels;
        int[] acc, accLow, pixelSums;          // accLow, pixelSums may be null
        double scale, borderCoef;
        long[] tapSums;
        float[] bias;
        final List<int[]> stageKinds = new ArrayList<>();
        final List<float[]> stageA = new ArrayList<>(), stageB = new ArrayList<>(), stageOther = new ArrayList<>();
        final List<float[]> sinkBounds = new ArrayList<>();
        final List<Integer> sinkBits = new ArrayList<>();
        boolean withOut = true;

        int count() { return pixels * channels; }

        void stage(int kind, float[] a, float[] b, float[] other) {
            stageKinds.add(new int[] {kind});
            stageA.add(a);
            stageB.add(b);
            stageOther.add(other);
        }
    }

    private record Result(float[] out, byte[] codes, boolean fast) { }

    private static MethodHandle check() {
        NativeLibrary lib = NativeLibrary.instance();
        assumeTrue(lib != null, "native library unavailable: " + NativeLibrary.failure());
        return lib.bind("adabm_epilogue_check", FunctionDescriptor.of(I32, I32, I32, I32, PTR, PTR, PTR, F64, F64, PTR, PTR,
                I32, PTR, PTR, PTR, PTR, I32, PTR, PTR, PTR, PTR, PTR));
    }

    private static Result run(MethodHandle h, Case c, boolean portable) throws Throwable { return run(h, c, portable, false); }

    /** inPlace: the floats are written over stage 0's operand (QuantPlan's in-place residual adds). */
    private static Result run(MethodHandle h, Case c, boolean portable, boolean inPlace) throws Throwable {
        int count = c.count(), ns = c.stageKinds.size(), nk = c.sinkBits.size();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment acc = arena.allocateFrom(I32, c.acc);
            MemorySegment low = c.accLow == null ? MemorySegment.NULL : arena.allocateFrom(I32, c.accLow);
            MemorySegment sums = c.pixelSums == null ? MemorySegment.NULL : arena.allocateFrom(I32, c.pixelSums);
            MemorySegment taps = arena.allocateFrom(ValueLayout.JAVA_LONG, c.tapSums);
            MemorySegment bias = arena.allocateFrom(ValueLayout.JAVA_FLOAT, c.bias);
            int[] kinds = new int[Math.max(1, ns)];
            float[] a = new float[Math.max(1, ns * c.channels)], b = new float[a.length];
            float[] other = new float[Math.max(1, ns * count)];
            for (int s = 0; s < ns; s++) {
                kinds[s] = c.stageKinds.get(s)[0];
                System.arraycopy(c.stageA.get(s), 0, a, s * c.channels, c.channels);
                System.arraycopy(c.stageB.get(s), 0, b, s * c.channels, c.channels);
                System.arraycopy(c.stageOther.get(s), 0, other, s * count, count);
            }
            float[] bounds = new float[Math.max(2, 2 * nk)];
            int[] bits = new int[Math.max(1, nk)];
            for (int k = 0; k < nk; k++) {
                bounds[2 * k] = c.sinkBounds.get(k)[0];
                bounds[2 * k + 1] = c.sinkBounds.get(k)[1];
                bits[k] = c.sinkBits.get(k);
            }
            MemorySegment out = c.withOut ? arena.allocate(ValueLayout.JAVA_FLOAT, count) : MemorySegment.NULL;
            MemorySegment codes = arena.allocate(Math.max(1, (long) nk * count));
            MemorySegment fast = arena.allocate(I32);
            int rc = (int) h.invokeExact((portable ? 1 : 0) | (inPlace ? 2 : 0), c.pixels, c.channels, acc, low, sums, c.scale, c.borderCoef, taps,
                    bias, ns, arena.allocateFrom(I32, kinds), arena.allocateFrom(ValueLayout.JAVA_FLOAT, a),
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, b), arena.allocateFrom(ValueLayout.JAVA_FLOAT, other), nk,
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, bounds), arena.allocateFrom(I32, bits), out, codes, fast);
            assertEquals(0, rc, "adabm_epilogue_check failed");
            return new Result(c.withOut ? out.toArray(ValueLayout.JAVA_FLOAT) : null,
                    codes.asSlice(0, (long) nk * count).toArray(ValueLayout.JAVA_BYTE), fast.get(I32, 0) != 0);
        }
    }

    // ---- Java's formulas (the oracle) ----

    private static float value(Case c, int p, int o) {
        int i = p * c.channels + o;
        int a = c.acc[i];
        if (c.accLow != null) a = 2 * a + c.accLow[i];
        if (c.pixelSums != null) a = 2 * a + c.pixelSums[p];
        double base = c.borderCoef * (double) c.tapSums[o] + (double) c.bias[o];
        float v = (float) (c.scale * (double) a + base);
        for (int s = 0; s < c.stageKinds.size(); s++) {
            int kind = c.stageKinds.get(s)[0];
            float[] sa = c.stageA.get(s), sb = c.stageB.get(s);
            float x = c.stageOther.get(s)[i];
            boolean valueFirst = (kind & OTHER_FIRST) == 0;
            switch (kind & 3) {
                case AFFINE -> { float m = v * sa[o]; v = m + sb[o]; }
                case PRELU -> { float m = ((kind & UNIFORM) != 0 ? sa[0] : sa[o]) * v; v = v >= 0f ? v : m; }
                case ADD -> v = valueFirst ? v + x : x + v;
                default -> v = valueFirst ? v - x : x - v;
            }
        }
        return v;
    }

    static int code(float x, float l, float u, int bits, boolean relu) {
        float lower = relu ? Math.max(l, 0f) : l;
        float c = Math.min(Float.isNaN(x) ? lower : Math.max(x, lower), u);
        return (int) Math.rint((c - l) / (u - l) * ((1 << bits) - 1));
    }

    private static void assertMatchesJava(Case c, Result r, String what) {
        int count = c.count();
        for (int p = 0; p < c.pixels; p++)
            for (int o = 0; o < c.channels; o++) {
                int i = p * c.channels + o;
                float v = value(c, p, o);
                if (r.out() != null)
                    assertEquals(Float.floatToIntBits(v), Float.floatToIntBits(r.out()[i]),
                            () -> what + ": float at pixel " + i / c.channels + " channel " + i % c.channels);
                for (int k = 0; k < c.sinkBits.size(); k++) {
                    int bits = c.sinkBits.get(k);
                    float[] lu = c.sinkBounds.get(k);
                    int want = code(v, lu[0], lu[1], bits & 255, (bits & RELU) != 0);
                    int got = r.codes()[k * count + i] & 0xff;
                    if (want != got)
                        assertEquals(want, got, what + ": code of " + v + " (bits " + Float.floatToRawIntBits(v) + ") for l " + lu[0]
                                + " u " + lu[1] + " bits " + (bits & 255) + ((bits & RELU) != 0 ? " relu" : ""));
                }
            }
    }

    private static void checkBoth(MethodHandle h, Case c, String what, boolean[] sawFast) throws Throwable {
        Result portable = run(h, c, true), dflt = run(h, c, false);
        assertMatchesJava(c, portable, what + " (portable)");
        assertMatchesJava(c, dflt, what + (dflt.fast() ? " (AVX-512 one pass)" : " (portable: no AVX-512 here)"));
        if (dflt.fast()) sawFast[0] = true;
        int first = c.stageKinds.isEmpty() ? -1 : c.stageKinds.get(0)[0] & 3;
        if (c.withOut && (first == ADD || first == SUB)) {  // the same with the result written over that operand
            assertMatchesJava(c, run(h, c, true, true), what + " in place (portable)");
            assertMatchesJava(c, run(h, c, false, true), what + " in place");
        }
    }

    // ---- the quantizer at its thresholds ----

    private static long order(float f) {
        int b = Float.floatToRawIntBits(f);
        return b >= 0 ? b : -(long) (b & 0x7fffffff);
    }

    private static float fromOrder(long k) {
        return k >= 0 ? Float.intBitsToFloat((int) k) : Float.intBitsToFloat((int) -k | 0x80000000);
    }

    /** The smallest float in [lower, u] whose code is >= k (codes never decrease with x). */
    private static float threshold(float l, float u, int bits, boolean relu, int k) {
        long lo = order(relu ? Math.max(l, 0f) : l), hi = order(u);
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            if (code(fromOrder(mid), l, u, bits, relu) >= k) hi = mid;
            else lo = mid + 1;
        }
        return fromOrder(lo);
    }

    @Test void quantizerCodesAtEveryThresholdEqualJavaOnBothPaths() throws Throwable {
        MethodHandle h = check();
        float[][] bounds = {{-0.7f, 0.9f}, {0f, 0.49617577f}, {-1.1672541f, 1.2318559f}, {0f, 2.2127073f},
                {-110.460495f, 151.98f}, {-3f, -1f}, {1e-3f, 2e-3f}, {-1e-30f, 3e-30f}};
        boolean[] sawFast = {false};
        int thresholdsChecked = 0;
        for (float[] lu : bounds)
            for (int relu = 0; relu < 2; relu++) {
                Case c = new Case();
                List<Float> xs = new ArrayList<>(List.of(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
                        lu[0], lu[1], Math.nextDown(lu[0]), Math.nextUp(lu[1]), lu[0] - 1f, lu[1] + 1f, Float.MAX_VALUE,
                        -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE));
                for (int bits = 1; bits <= 8; bits++) {
                    for (int k = 1; k < (1 << bits); k++) {
                        float t = threshold(lu[0], lu[1], bits, relu == 1, k);
                        assertTrue(code(t, lu[0], lu[1], bits, relu == 1) >= k && code(Math.nextDown(t), lu[0], lu[1], bits, relu == 1) < k
                                || t == (relu == 1 ? Math.max(lu[0], 0f) : lu[0]), "bisection");
                        xs.add(t);
                        xs.add(Math.nextDown(t));
                        xs.add(Math.nextUp(t));
                        thresholdsChecked++;
                    }
                    c.sinkBounds.add(lu);
                    c.sinkBits.add(bits | (relu == 1 ? RELU : 0));
                }
                for (int channels : new int[] {16, 64, 48, 3}) {
                    Case cc = withValues(c, xs, channels);
                    checkBoth(h, cc, "l " + lu[0] + " u " + lu[1] + (relu == 1 ? " relu" : "") + ", " + channels + " channels", sawFast);
                }
            }
        assertTrue(thresholdsChecked > 8 * 2 * 250, "every threshold of bits 1..8 was visited");
        System.out.println("Int8EpilogueFastPathTest: AVX-512 one pass " + (sawFast[0] ? "compared" : "not available on this CPU"));
    }

    /** The case's sinks on the values xs exactly: a zero conv value (0 + x = x) plus an add stage holding xs. */
    private static Case withValues(Case sinks, List<Float> xs, int channels) {
        Case c = new Case();
        c.channels = channels;
        c.pixels = (xs.size() + channels - 1) / channels;
        int count = c.count();
        c.acc = new int[count];
        c.scale = 1.0;
        c.borderCoef = 0;
        c.tapSums = new long[channels];
        c.bias = new float[channels];
        float[] other = new float[count];
        for (int i = 0; i < count; i++) other[i] = xs.get(i % xs.size());
        c.stage(ADD, new float[channels], new float[channels], other);
        c.sinkBounds.addAll(sinks.sinkBounds);
        c.sinkBits.addAll(sinks.sinkBits);
        return c;
    }

    // ---- the whole epilogue on random accumulators ----

    @Test void randomEpiloguesEqualJavaOnBothPaths() throws Throwable {
        MethodHandle h = check();
        Random rnd = new Random(11);
        boolean[] sawFast = {false};
        int[][] shapes = {{1, 16}, {7, 64}, {600, 64}, {33, 48}, {40, 256}, {9, 3}, {5, 20}};
        for (int round = 0; round < 40; round++) {
            int[] shape = shapes[round % shapes.length];
            Case c = new Case();
            c.pixels = shape[0];
            c.channels = shape[1];
            int count = c.count();
            int variant = round % 4;  // plain, pre-VNNI split, bw = 8 window sums, both
            int bound = variant == 0 ? 1 << 24 : 1 << 20;
            c.acc = new int[count];
            for (int i = 0; i < count; i++) c.acc[i] = rnd.nextInt(2 * bound) - bound;
            if (variant == 1 || variant == 3) {
                c.accLow = new int[count];
                for (int i = 0; i < count; i++) c.accLow[i] = rnd.nextInt(20001) - 10000;
            }
            if (variant >= 2) {
                c.pixelSums = new int[c.pixels];
                for (int p = 0; p < c.pixels; p++) c.pixelSums[p] = rnd.nextInt(64 * 255 + 1);
            }
            float sa = rnd.nextFloat() * 0.1f + 1e-4f, sw = rnd.nextFloat() * 0.01f + 1e-5f, l = rnd.nextFloat() * 2 - 1.5f;
            c.scale = (double) sa * (double) sw;        // exact in double, as the plan's
            c.borderCoef = (double) sw * (double) l;
            c.tapSums = new long[c.channels];
            c.bias = new float[c.channels];
            for (int o = 0; o < c.channels; o++) {
                c.tapSums[o] = rnd.nextInt(20001) - 10000;
                c.bias[o] = rnd.nextFloat() - 0.5f;
            }
            int stages = rnd.nextInt(5);
            for (int s = 0; s < stages; s++) {
                int kind = rnd.nextInt(4);
                if ((kind == ADD || kind == SUB) && rnd.nextBoolean()) kind |= OTHER_FIRST;
                if (kind == PRELU && rnd.nextBoolean()) kind |= UNIFORM;
                float[] a = new float[c.channels], b = new float[c.channels], other = new float[count];
                for (int o = 0; o < c.channels; o++) {
                    a[o] = rnd.nextFloat() * 2 - 1;
                    b[o] = rnd.nextFloat() - 0.5f;
                }
                for (int i = 0; i < count; i++) {
                    int pick = rnd.nextInt(1000);  // a few non-finite operands: they must pass through identically
                    other[i] = pick == 0 ? Float.NaN : pick == 1 ? Float.POSITIVE_INFINITY : pick == 2 ? Float.NEGATIVE_INFINITY
                            : rnd.nextFloat() * 4 - 2;
                }
                c.stage(kind, a, b, other);
            }
            int sinks = rnd.nextInt(4);
            for (int k = 0; k < sinks; k++) {
                float lo = rnd.nextBoolean() ? 0f : -rnd.nextFloat() * 2, hi = rnd.nextFloat() * 2 + 0.01f;
                c.sinkBounds.add(new float[] {lo, hi});
                c.sinkBits.add((1 + rnd.nextInt(8)) | (rnd.nextBoolean() ? RELU : 0));
            }
            c.withOut = sinks == 0 || rnd.nextBoolean();
            checkBoth(h, c, "round " + round + " (" + c.pixels + " x " + c.channels + ", " + stages + " stages, " + sinks + " sinks)", sawFast);
        }
    }
}
