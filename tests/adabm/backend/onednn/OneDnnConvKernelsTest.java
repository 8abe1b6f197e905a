package adabm.backend.onednn;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.ShapeException;
import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import adabm.backend.ref.JavaConvKernels;
import adabm.graph.Op;
import adabm.tensor.Layout;
import adabm.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link OneDnnConvKernels} against the pure-Java {@link JavaConvKernels} on random convs (1x1 to 9x9, even
 * kernels, asymmetric and no padding, groups and depthwise, batches 1..3, odd sizes, bias), for all three passes.
 * <p>
 * Tolerance: each output element is a sum of K float32 products t_k; both sides sum them in a different order, so
 * each is off the exact sum by a rounding error that grows like eps * sqrt(K) * sum|t_k| for random-signed terms
 * (eps = 2^-24; the worst case K * eps is far rarer). The bound used is |onednn - java| <= 1e-6 * sqrt(K) * sum|t_k|
 * (about 17 eps sqrt(K), so a few-sigma margin), with sum|t_k| computed per element by the reference on |x| and |w|.
 * A dropped or misplaced term moves an element by ~ sum|t_k| / K, above the bound for every K used here
 * (K <= 5184: 1/K >= 1.9e-4 > 1e-6 * sqrt(K) = 7.2e-5).
 */
class OneDnnConvKernelsTest {
    private static ConvKernels onednn;
    private static final JavaConvKernels JAVA = new JavaConvKernels(1);

    @BeforeAll static void open() {
        var b = Backends.get("onednn");
        assumeTrue(b.availability().available(), "onednn unavailable: " + b.availability().reason());
        assumeTrue(OneDnnConvKernels.unavailableReason() == null, "fconv unavailable: " + OneDnnConvKernels.unavailableReason());
        onednn = b.convKernels(2);
    }

    @AfterAll static void close() { if (onednn != null) onednn.close(); }

    /** name, in, out, kh, kw, pads t/l/b/r, groups, batch, h, w */
    record Case(String name, int in, int out, int kh, int kw, int pt, int pl, int pb, int pr, int groups, int n, int h, int w) {
        Op.Conv2d conv(Random r) {
            int fanIn = in / groups * kh * kw;
            float bound = (float) (1.7 / Math.sqrt(fanIn));
            return new Op.Conv2d(name, "x", "y", in, out, kh, kw, pt, pl, pb, pr, groups,
                    OneDnnTestSupport.uniform(r, out * (in / groups) * kh * kw, bound), OneDnnTestSupport.uniform(r, out, 0.5f));
        }
    }

    static final List<Case> CASES = List.of(
            new Case("1x1", 16, 8, 1, 1, 0, 0, 0, 0, 1, 2, 7, 9),
            new Case("3x3 same", 16, 16, 3, 3, 1, 1, 1, 1, 1, 2, 13, 11),
            new Case("3x3 edsr-like", 64, 64, 3, 3, 1, 1, 1, 1, 1, 1, 12, 10),
            new Case("3x3 head rgb", 3, 32, 3, 3, 1, 1, 1, 1, 1, 3, 17, 9),
            new Case("3x3 tail rgb", 32, 3, 3, 3, 1, 1, 1, 1, 1, 3, 9, 17),
            new Case("3x3 valid", 8, 8, 3, 3, 0, 0, 0, 0, 1, 1, 6, 5),
            new Case("5x5", 8, 12, 5, 5, 2, 2, 2, 2, 1, 2, 11, 8),
            new Case("9x9", 64, 8, 9, 9, 4, 4, 4, 4, 1, 1, 15, 13),
            new Case("asymmetric 3x4", 8, 8, 3, 4, 0, 1, 2, 2, 1, 2, 9, 10),
            new Case("2x2 pad bottom right", 4, 6, 2, 2, 0, 0, 1, 1, 1, 1, 7, 7),
            new Case("groups 4", 16, 32, 3, 3, 1, 1, 1, 1, 4, 2, 10, 9),
            new Case("groups 2 asymmetric", 8, 4, 3, 3, 1, 0, 0, 1, 2, 3, 5, 6),
            new Case("depthwise", 24, 24, 3, 3, 1, 1, 1, 1, 24, 2, 11, 13),
            new Case("depthwise multiplier 2", 8, 16, 5, 5, 2, 2, 2, 2, 8, 1, 9, 9));

    static Tensor abs(Tensor t) {
        Tensor a = t.copy();
        for (int i = 0; i < a.data.length; i++) a.data[i] = Math.abs(a.data[i]);
        return a;
    }

    static float[] abs(float[] v) {
        float[] a = v.clone();
        for (int i = 0; i < a.length; i++) a[i] = Math.abs(a[i]);
        return a;
    }

    static Op.Conv2d withBias(Op.Conv2d c, float[] bias) {
        return new Op.Conv2d(c.name(), c.input(), c.output(), c.inChannels(), c.outChannels(), c.kernelH(), c.kernelW(),
                c.padTop(), c.padLeft(), c.padBottom(), c.padRight(), c.groups(), c.weight(), bias);
    }

    /** Asserts |actual - expected| <= 1e-6 sqrt(terms) * magnitude, element by element (see the class comment). */
    static void assertClose(float[] expected, float[] actual, float[] magnitude, long terms, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        double rel = 1e-6 * Math.sqrt(terms);
        double worst = 0;
        boolean nonZero = false;
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs((double) actual[i] - expected[i]);
            double allowed = rel * magnitude[i] + 1e-30;
            worst = Math.max(worst, diff / allowed);
            nonZero |= expected[i] != 0;
            if (diff > allowed)
                fail(what + ": element " + i + " is " + actual[i] + ", reference " + expected[i] + " (|diff| " + diff + " > " + allowed + ")");
        }
        assertTrue(nonZero, what + ": an all-zero reference proves nothing");
        System.out.printf("%-32s worst |diff| / bound %.3f%n", what, worst);
    }

    @Test void forwardMatchesJava() {
        Random r = new Random(1);
        for (Case k : CASES) {
            Op.Conv2d c = k.conv(r);
            Tensor x = OneDnnTestSupport.random(r, k.n(), k.in(), k.h(), k.w());
            Tensor expected = JAVA.forward(c, c.weight(), x), actual = onednn.forward(c, c.weight(), x);
            Op.Conv2d absConv = withBias(c, abs(c.bias()));
            Tensor magnitude = JAVA.forward(absConv, abs(c.weight()), abs(x));
            assertEquals(expected.shape(), actual.shape(), k.name());
            assertClose(expected.data, actual.data, magnitude.data, (long) c.inPerGroup() * c.kernelH() * c.kernelW() + 1, "forward " + k.name());
        }
    }

    @Test void backwardDataMatchesJava() {
        Random r = new Random(2);
        for (Case k : CASES) {
            Op.Conv2d c = k.conv(r);
            int ho = k.h() + k.pt() + k.pb() - k.kh() + 1, wo = k.w() + k.pl() + k.pr() - k.kw() + 1;
            Tensor dy = OneDnnTestSupport.random(r, k.n(), k.out(), ho, wo);
            Tensor expected = JAVA.backwardData(c, c.weight(), dy, k.h(), k.w());
            Tensor actual = onednn.backwardData(c, c.weight(), dy, k.h(), k.w());
            Tensor magnitude = JAVA.backwardData(c, abs(c.weight()), abs(dy), k.h(), k.w());
            assertEquals(expected.shape(), actual.shape(), k.name());
            assertClose(expected.data, actual.data, magnitude.data, (long) c.outPerGroup() * c.kernelH() * c.kernelW(), "backward data " + k.name());
        }
    }

    @Test void backwardWeightsMatchesJava() {
        Random r = new Random(3);
        for (Case k : CASES) {
            Op.Conv2d c = k.conv(r);
            int ho = k.h() + k.pt() + k.pb() - k.kh() + 1, wo = k.w() + k.pl() + k.pr() - k.kw() + 1;
            Tensor x = OneDnnTestSupport.random(r, k.n(), k.in(), k.h(), k.w());
            Tensor dy = OneDnnTestSupport.random(r, k.n(), k.out(), ho, wo);
            float[] expected = JAVA.backwardWeights(c, x, dy), actual = onednn.backwardWeights(c, x, dy);
            float[] magnitude = JAVA.backwardWeights(c, abs(x), abs(dy));
            assertClose(expected, actual, magnitude, (long) k.n() * ho * wo, "backward weights " + k.name());
        }
    }

    /** Channels last (the fine-tuning tape's layout): every pass, reordered, equals the NCHW Java result within the same bound. */
    @Test void channelsLastPassesMatchJava() {
        Random r = new Random(6);
        for (Case k : CASES) {
            Op.Conv2d c = k.conv(r);
            int ho = k.h() + k.pt() + k.pb() - k.kh() + 1, wo = k.w() + k.pl() + k.pr() - k.kw() + 1;
            Tensor x = OneDnnTestSupport.random(r, k.n(), k.in(), k.h(), k.w());
            Tensor dy = OneDnnTestSupport.random(r, k.n(), k.out(), ho, wo);
            Tensor y = Layout.toNchw(onednn.forward(c, c.weight(), Layout.toNhwc(x), Layout.NHWC));
            assertClose(JAVA.forward(c, c.weight(), x).data, y.data, JAVA.forward(withBias(c, abs(c.bias())), abs(c.weight()), abs(x)).data,
                    (long) c.inPerGroup() * c.kernelH() * c.kernelW() + 1, "NHWC forward " + k.name());
            Tensor dx = Layout.toNchw(onednn.backwardData(c, c.weight(), Layout.toNhwc(dy), k.h(), k.w(), Layout.NHWC));
            assertClose(JAVA.backwardData(c, c.weight(), dy, k.h(), k.w()).data, dx.data,
                    JAVA.backwardData(c, abs(c.weight()), abs(dy), k.h(), k.w()).data, (long) c.outPerGroup() * c.kernelH() * c.kernelW(),
                    "NHWC backward data " + k.name());
            float[] dw = onednn.backwardWeights(c, Layout.toNhwc(x), Layout.toNhwc(dy), Layout.NHWC);
            assertClose(JAVA.backwardWeights(c, x, dy), dw, JAVA.backwardWeights(c, abs(x), abs(dy)), (long) k.n() * ho * wo,
                    "NHWC backward weights " + k.name());
        }
    }

    @Test void channelsLastRunsInPlaceOnOneDnnKernels() {
        Random r = new Random(7);
        try (OneDnnConvKernels k = new OneDnnConvKernels(1)) {
            Op.Conv2d a = CASES.get(2).conv(r);
            Tensor x = Layout.toNhwc(OneDnnTestSupport.random(r, 2, 64, 24, 24));
            Tensor y = k.forward(a, a.weight(), x, Layout.NHWC);
            k.backwardData(a, a.weight(), y, 24, 24, Layout.NHWC);
            k.backwardWeights(a, x, y, Layout.NHWC);
            String impl = k.implementation(a);
            System.out.println(impl);
            for (String line : impl.split("\n"))
                assertFalse(line.contains(": ref") || line.contains("gemm:ref"), "64->64 3x3 NHWC runs on a reference kernel: " + line);
        }
    }

    @Test void aWeightChangedBetweenCallsIsHonoured() {
        Random r = new Random(4);
        Case k = CASES.get(1);
        Op.Conv2d c = k.conv(r);
        Tensor x = OneDnnTestSupport.random(r, k.n(), k.in(), k.h(), k.w());
        float[] w = c.weight().clone();
        Tensor first = onednn.forward(c, w, x);
        for (int i = 0; i < w.length; i++) w[i] = -0.5f * w[i] + 0.01f;   // the same array, changed in place
        Tensor second = onednn.forward(c, w, x);
        Tensor expected = JAVA.forward(c, w, x);
        assertTrue(first.maxAbsDiff(second) > 0.1f, "the output follows the weight");
        Tensor magnitude = JAVA.forward(withBias(c, abs(c.bias())), abs(w), abs(x));
        assertClose(expected.data, second.data, magnitude.data, (long) c.inPerGroup() * 9 + 1, "forward after a weight change");
        Tensor dy = OneDnnTestSupport.random(r, k.n(), k.out(), k.h(), k.w());
        Tensor dx = onednn.backwardData(c, w, dy, k.h(), k.w());
        assertClose(JAVA.backwardData(c, w, dy, k.h(), k.w()).data, dx.data,
                JAVA.backwardData(c, abs(w), abs(dy), k.h(), k.w()).data, (long) c.outPerGroup() * 9, "backward data after a weight change");
    }

    @Test void convsOfOneGeometryShareAHandleAndMainShapesAvoidReferenceKernels() {
        Random r = new Random(5);
        try (OneDnnConvKernels k = new OneDnnConvKernels(1)) {
            Case edsr = CASES.get(2);
            Op.Conv2d a = edsr.conv(r), b = new Case("other", 64, 64, 3, 3, 1, 1, 1, 1, 1, 1, 12, 10).conv(r);
            Tensor x = OneDnnTestSupport.random(r, 2, 64, 24, 24);
            Tensor ya = k.forward(a, a.weight(), x), yb = k.forward(b, b.weight(), x);
            assertTrue(ya.maxAbsDiff(yb) > 0.1f, "each conv's own weights and bias are used");
            k.backwardData(a, a.weight(), ya, 24, 24);
            k.backwardWeights(a, x, ya);
            assertEquals(1, k.handles());
            String impl = k.implementation(a);
            System.out.println(impl);
            for (String line : impl.split("\n"))
                assertFalse(line.contains(": ref") || line.contains("gemm:ref"), "64->64 3x3 runs on a reference kernel: " + line);
            assertTrue(k.workspaceBytes() > 0);
        }
    }

    @Test void badShapesAreRejectedNamingTheConv() {
        Random r = new Random(6);
        Op.Conv2d c = CASES.get(1).conv(r);
        Tensor x = OneDnnTestSupport.random(r, 1, 16, 8, 8);
        assertMessage(() -> onednn.forward(c, new float[c.weight().length - 1], x), "weight");
        assertMessage(() -> onednn.forward(c, c.weight(), OneDnnTestSupport.random(r, 1, 15, 8, 8)), "channels");
        assertMessage(() -> onednn.backwardData(c, c.weight(), OneDnnTestSupport.random(r, 1, 16, 7, 8), 8, 8), "output gradient");
        assertMessage(() -> onednn.backwardWeights(c, x, OneDnnTestSupport.random(r, 2, 16, 8, 8)), "batch");
        Op.Conv2d valid = new Case("valid5", 4, 4, 5, 5, 0, 0, 0, 0, 1, 1, 8, 8).conv(r);
        assertMessage(() -> onednn.forward(valid, valid.weight(), OneDnnTestSupport.random(r, 1, 4, 4, 9)), "height");
    }

    private static void assertMessage(Runnable call, String word) {
        ShapeException e = assertThrows(ShapeException.class, call::run);
        assertTrue(e.getMessage().contains("conv ") && e.getMessage().contains(word), e.getMessage());
    }

    @Test void closedKernelsRefuseCallsAndCloseTwiceIsHarmless() {
        Random r = new Random(7);
        Op.Conv2d c = CASES.get(0).conv(r);
        Tensor x = OneDnnTestSupport.random(r, 1, 16, 4, 4);
        OneDnnConvKernels k = new OneDnnConvKernels(1);
        k.forward(c, c.weight(), x);
        k.close();
        k.close();
        assertThrows(IllegalStateException.class, () -> k.forward(c, c.weight(), x));
    }

    /**
     * Many shapes (8 input shapes per conv against a cache of 4: primitives are evicted and rebuilt all the time) and
     * kernels objects opened and closed: the bytes malloc has handed out (oneDNN's memory, our workspace and handles)
     * stay flat once oneDNN's own primitive cache holds the shapes (8 rounds first). A leaked input-sized buffer per
     * call (>= 50 KB x 1152 calls) would exceed the 24 MB allowance twice over. malloc's own count is used, not the
     * resident size: the JVM's heap resizing and lazy uncommit moved that by +-25 MB between identical rounds.
     */
    @Test void manyShapesAndObjectsKeepNativeMemoryFlat() {
        Random r = new Random(8);
        List<Op.Conv2d> convs = new ArrayList<>();
        List<Tensor> inputs = new ArrayList<>();
        for (Case k : List.of(CASES.get(1), CASES.get(2), CASES.get(10))) convs.add(k.conv(r));
        for (int i = 0; i < 24; i++) {
            int shape = i / convs.size();
            inputs.add(OneDnnTestSupport.random(r, 1 + shape % 2, convs.get(i % convs.size()).inChannels(), 12 + shape, 20 - shape));
        }
        Runnable round = () -> {
            try (OneDnnConvKernels k = new OneDnnConvKernels(1)) {
                for (int i = 0; i < inputs.size(); i++) {
                    Op.Conv2d c = convs.get(i % convs.size());
                    Tensor x = inputs.get(i);
                    Tensor y = k.forward(c, c.weight(), x);
                    k.backwardData(c, c.weight(), y, x.h, x.w);
                    k.backwardWeights(c, x, y);
                }
            }
        };
        for (int i = 0; i < 8; i++) round.run();
        long before = mallocInUse();
        for (int i = 0; i < 16; i++) round.run();   // 384 calls of each pass, 16 kernels objects
        long after = mallocInUse();
        System.out.printf("onednn conv kernels, bytes in use by malloc over 384 calls of each pass: %d KB -> %d KB%n", before / 1024, after / 1024);
        assertTrue(after - before < 24L << 20, "grew by " + (after - before) / 1024 + " KB");
    }

    /** glibc's mallinfo2(): bytes in use in all arenas plus mmapped chunks. Skips where there is no such function. */
    private static long mallocInUse() {
        Linker linker = Linker.nativeLinker();
        var symbol = linker.defaultLookup().find("mallinfo2");
        assumeTrue(symbol.isPresent(), "no mallinfo2 (not glibc >= 2.33)");
        // struct mallinfo2 { size_t arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost; }
        MemoryLayout info = MemoryLayout.structLayout(java.util.Collections.nCopies(10, ValueLayout.JAVA_LONG).toArray(MemoryLayout[]::new));
        MethodHandle mallinfo2 = linker.downcallHandle(symbol.get(), FunctionDescriptor.of(info));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = (MemorySegment) mallinfo2.invokeExact((SegmentAllocator) arena);
            return m.get(ValueLayout.JAVA_LONG, 4 * 8) + m.get(ValueLayout.JAVA_LONG, 7 * 8);   // hblkhd + uordblks
        } catch (Throwable t) {
            throw new IllegalStateException("mallinfo2 failed", t);
        }
    }
}
