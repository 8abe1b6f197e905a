package adabm.quant.train;

import adabm.backend.ref.ConvGrad;
import adabm.backend.ref.RefKernels;

import static org.junit.jupiter.api.Assertions.*;

import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Every backward kernel against true central finite differences of the forward kernel it inverts: for a random
 * probe r, L(x) = sum r * F(x) (in double); dL/dx_i from the kernel must equal (L(x + e_i) - L(x - e_i)) / 2e.
 * The ops are piecewise linear, so with inputs kept 0.05 away from kinks and e = 1e-2 the difference is exact up
 * to float32 rounding of the forward (|L| ~ 10, so ~1e-6 / 2e ~ 1e-4); the tolerance is 2e-3.
 */
class BackwardKernelsTest {
    static final float EPS = 1e-2f;
    static final double TOL = 2e-3;

    static Tensor random(Random r, int n, int c, int h, int w) {
        Tensor t = new Tensor(n, c, h, w);
        for (int i = 0; i < t.data.length; i++) {
            float v = (float) r.nextGaussian();
            if (Math.abs(v) < 0.05f) v += v < 0 ? -0.05f : 0.05f;   // away from relu kinks
            t.data[i] = v;
        }
        return t;
    }

    static double dot(Tensor probe, Tensor y) {
        assertEquals(probe.data.length, y.data.length);
        double s = 0;
        for (int i = 0; i < y.data.length; i++) s += (double) probe.data[i] * y.data[i];
        return s;
    }

    /** Checks dx against finite differences of x -> sum probe * f(x), element by element. */
    static void check(Tensor x, Function<Tensor, Tensor> f, Function<Tensor, Tensor> backward, long seed) {
        Tensor y = f.apply(x);
        Tensor probe = random(new Random(seed), y.n, y.c, y.h, y.w);
        Tensor dx = backward.apply(probe);
        assertEquals(x.shape(), dx.shape());
        for (int i = 0; i < x.data.length; i++) {
            Tensor p = x.copy(), m = x.copy();
            p.data[i] += EPS;
            m.data[i] -= EPS;
            double fd = (dot(probe, f.apply(p)) - dot(probe, f.apply(m))) / (p.data[i] - m.data[i]);
            assertEquals(fd, dx.data[i], TOL, "element " + i);
        }
    }

    @Test void relu() {
        Tensor x = random(new Random(1), 2, 3, 4, 5);
        check(x, RefKernels::relu, dy -> OpGrad.relu(dy, x), 11);
    }

    @Test void leakyRelu() {
        Tensor x = random(new Random(2), 2, 3, 4, 5);
        check(x, t -> RefKernels.leakyRelu(t, 0.2f), dy -> OpGrad.leakyRelu(dy, x, 0.2f), 12);
    }

    @Test void preluPerChannelAndShared() {
        Tensor x = random(new Random(3), 2, 3, 4, 5);
        float[] slopes = {0.1f, -0.3f, 0.7f};
        check(x, t -> RefKernels.prelu(t, slopes), dy -> OpGrad.prelu(dy, x, slopes), 13);
        check(x, t -> RefKernels.prelu(t, new float[] {0.25f}), dy -> OpGrad.prelu(dy, x, new float[] {0.25f}), 14);
    }

    @Test void affine() {
        Tensor x = random(new Random(4), 2, 3, 4, 5);
        float[] scale = {1.5f, -0.5f, 2f}, shift = {1f, 2f, 3f};
        check(x, t -> RefKernels.affine(t, scale, shift), dy -> OpGrad.affine(dy, scale), 15);
        check(x, t -> RefKernels.affine(t, new float[] {0.3f}, new float[] {-1f}), dy -> OpGrad.affine(dy, new float[] {0.3f}), 16);
    }

    @Test void addAndSubBothOperands() {
        Tensor a = random(new Random(5), 2, 3, 4, 5), b = random(new Random(6), 2, 3, 4, 5);
        check(a, t -> RefKernels.add(t, b), dy -> dy, 17);
        check(b, t -> RefKernels.add(a, t), dy -> dy, 18);
        check(a, t -> RefKernels.sub(t, b), dy -> dy, 19);
        check(b, t -> RefKernels.sub(a, t), OpGrad::negate, 20);
    }

    @Test void concatEachPart() {
        Random r = new Random(7);
        Tensor a = random(r, 2, 2, 3, 4), b = random(r, 2, 3, 3, 4);
        check(a, t -> RefKernels.concat(List.of(t, b)), dy -> OpGrad.concat(dy, new int[] {2, 3}).get(0), 21);
        check(b, t -> RefKernels.concat(List.of(a, t)), dy -> OpGrad.concat(dy, new int[] {2, 3}).get(1), 22);
    }

    @Test void depthToSpaceBothOrders() {
        Tensor x = random(new Random(8), 2, 8, 3, 2);
        for (Op.ShuffleOrder order : Op.ShuffleOrder.values())
            check(x, t -> RefKernels.depthToSpace(t, 2, order), dy -> OpGrad.depthToSpace(dy, 2, order), 23);
    }

    @Test void padConstantAndEdge() {
        Tensor x = random(new Random(9), 2, 2, 3, 4);
        Op.Pad constant = new Op.Pad("p", "x", "y", 1, 2, 0, 1, Op.PadMode.CONSTANT, 3f);
        Op.Pad edge = new Op.Pad("p", "x", "y", 2, 1, 1, 3, Op.PadMode.EDGE, 0f);
        check(x, t -> RefKernels.pad(t, constant), dy -> OpGrad.pad(dy, constant, x.h, x.w), 24);
        check(x, t -> RefKernels.pad(t, edge), dy -> OpGrad.pad(dy, edge, x.h, x.w), 25);
    }

    @Test void resizeNearest() {
        Tensor x = random(new Random(10), 2, 2, 3, 4);
        check(x, t -> RefKernels.resizeNearest(t, 3), dy -> OpGrad.resizeNearest(dy, 3), 26);
    }

    static Op.Conv2d conv(Random r, int cin, int cout, int kh, int kw, int pt, int pl, int pb, int pr, int groups, float[] weight) {
        float[] w = weight != null ? weight : new float[cout * (cin / groups) * kh * kw];
        if (weight == null) for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        float[] b = new float[cout];
        for (int i = 0; i < cout; i++) b[i] = (float) r.nextGaussian();
        return new Op.Conv2d("c", "x", "y", cin, cout, kh, kw, pt, pl, pb, pr, groups, w, b);
    }

    static Op.Conv2d[] convCases(Random r) {
        return new Op.Conv2d[] {
                conv(r, 3, 4, 3, 3, 1, 1, 1, 1, 1, null),
                conv(r, 4, 6, 3, 2, 2, 0, 1, 1, 2, null),     // asymmetric padding, two groups
                conv(r, 3, 3, 1, 1, 0, 0, 0, 0, 3, null),     // depthwise 1x1
                conv(r, 2, 2, 3, 3, 0, 0, 0, 0, 1, null)};    // valid conv
    }

    @Test void convBackwardData() {
        Random r = new Random(11);
        for (Op.Conv2d c : convCases(r)) {
            Tensor x = random(r, 2, c.inChannels(), 5, 4);
            check(x, t -> RefKernels.conv2d(t, c, null), dy -> ConvGrad.backwardData(dy, c, c.weight(), x.h, x.w, null), 27);
        }
    }

    @Test void convBackwardWeights() {
        Random r = new Random(12);
        for (Op.Conv2d c : convCases(r)) {
            Tensor x = random(r, 2, c.inChannels(), 5, 4);
            Tensor w = new Tensor(1, 1, 1, c.weight().length, c.weight().clone());
            Function<Tensor, Tensor> fixedBias = wt -> RefKernels.conv2d(x, new Op.Conv2d("c", "x", "y", c.inChannels(), c.outChannels(),
                    c.kernelH(), c.kernelW(), c.padTop(), c.padLeft(), c.padBottom(), c.padRight(), c.groups(), wt.data, c.bias()), null);
            check(w, fixedBias, dy -> new Tensor(1, 1, 1, c.weight().length, ConvGrad.backwardWeights(dy, x, c, null)), 28);
        }
    }

    @Test void parallelConvBackwardEqualsSerial() {
        Random r = new Random(13);
        Op.Conv2d c = conv(r, 4, 6, 3, 3, 1, 1, 1, 1, 2, null);
        Tensor x = random(r, 2, 4, 6, 5), dy = random(r, 2, 6, 6, 5);
        var pool = new java.util.concurrent.ForkJoinPool(2);
        try {
            assertArrayEquals(ConvGrad.backwardData(dy, c, c.weight(), 6, 5, null).data, ConvGrad.backwardData(dy, c, c.weight(), 6, 5, pool).data);
            assertArrayEquals(ConvGrad.backwardWeights(dy, x, c, null), ConvGrad.backwardWeights(dy, x, c, pool));
        } finally { pool.shutdown(); }
    }
}
