package adabm.backend.ref;

import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Plain-Java implementations of every IR op on NCHW tensors: clear loops, float32 like the native kernels.
 * This is the oracle the native backends are tested against, so clarity wins over speed (within reason).
 */
public final class RefKernels {
    private RefKernels() { }

    /** Applies one op to its inputs, looked up by tensor name in {@code values}. */
    public static Tensor apply(Op op, java.util.Map<String, Tensor> values, ForkJoinPool pool) {
        Tensor x = values.get(op.inputs().get(0));
        return switch (op) {
            case Op.Conv2d c -> conv2d(x, c, pool);
            case Op.Relu r -> relu(x, pool);
            case Op.LeakyRelu r -> leakyRelu(x, r.alpha());
            case Op.PRelu p -> prelu(x, p.slopes());
            case Op.Affine a -> affine(x, a.scale(), a.shift());
            case Op.Add a -> add(x, values.get(a.b()), pool);
            case Op.Sub s -> sub(x, values.get(s.b()), pool);
            case Op.Concat c -> concat(c.inputs().stream().map(values::get).toList());
            case Op.DepthToSpace d -> depthToSpace(x, d.block(), d.order(), pool);
            case Op.Pad p -> pad(x, p);
            case Op.ResizeNearest r -> resizeNearest(x, r.scale());
        };
    }

    /** Convolution; rows of the output are computed as row saxpys so the JIT vectorises the inner loop. */
    public static Tensor conv2d(Tensor x, Op.Conv2d c, ForkJoinPool pool) {
        int oh = x.h + c.padTop() + c.padBottom() - c.kernelH() + 1;
        int ow = x.w + c.padLeft() + c.padRight() - c.kernelW() + 1;
        Tensor y = new Tensor(x.n, c.outChannels(), oh, ow);
        int jobs = x.n * c.outChannels();
        Runnable all = () -> IntStream.range(0, jobs).parallel().forEach(job -> convChannel(x, c, y, job / c.outChannels(), job % c.outChannels()));
        if (pool == null) IntStream.range(0, jobs).forEach(job -> convChannel(x, c, y, job / c.outChannels(), job % c.outChannels()));
        else pool.submit(all).join();
        return y;
    }

    private static void convChannel(Tensor x, Op.Conv2d c, Tensor y, int n, int oc) {
        int kh = c.kernelH(), kw = c.kernelW(), ipg = c.inPerGroup();
        int group = oc / c.outPerGroup();
        float[] in = x.data, out = y.data, wt = c.weight();
        int ih = x.h, iw = x.w, oh = y.h, ow = y.w;
        float bias = c.bias()[oc];
        int outBase = y.index(n, oc, 0, 0);
        for (int oy = 0; oy < oh; oy++) {
            int orow = outBase + oy * ow;
            for (int ox = 0; ox < ow; ox++) out[orow + ox] = bias;
            for (int i = 0; i < ipg; i++) {
                int ic = group * ipg + i;
                int inBase = x.index(n, ic, 0, 0);
                int wBase = (oc * ipg + i) * kh * kw;
                for (int ky = 0; ky < kh; ky++) {
                    int iy = oy + ky - c.padTop();
                    if (iy < 0 || iy >= ih) continue;
                    int irow = inBase + iy * iw;
                    for (int kx = 0; kx < kw; kx++) {
                        float wv = wt[wBase + ky * kw + kx];
                        int shift = kx - c.padLeft();           // ix = ox + shift
                        int x0 = Math.max(0, -shift), x1 = Math.min(ow, iw - shift);
                        int src = irow + shift;
                        for (int ox = x0; ox < x1; ox++) out[orow + ox] += wv * in[src + ox];
                    }
                }
            }
        }
    }

    public static Tensor relu(Tensor x) { return relu(x, null); }

    /** Element-wise ops take an optional pool: chunks of the tensor run on it (same result for any pool). */
    public static Tensor relu(Tensor x, ForkJoinPool pool) {
        Tensor y = new Tensor(x.n, x.c, x.h, x.w);
        chunks(y.data.length, pool, (from, to) -> { for (int i = from; i < to; i++) y.data[i] = Math.max(x.data[i], 0f); });
        return y;
    }

    /** Work on the index range [from, to). */
    private interface Range { void run(int from, int to); }

    private static final int CHUNK = 1 << 16;

    /** Runs body over [0, length) in fixed chunks, on the pool when there is one and more than one chunk. */
    private static void chunks(int length, ForkJoinPool pool, Range body) {
        int count = (length + CHUNK - 1) / CHUNK;
        if (pool == null || count <= 1) { body.run(0, length); return; }
        pool.submit(() -> IntStream.range(0, count).parallel().forEach(i -> body.run(i * CHUNK, Math.min(length, (i + 1) * CHUNK)))).join();
    }

    public static Tensor leakyRelu(Tensor x, float alpha) {
        Tensor y = new Tensor(x.n, x.c, x.h, x.w);
        for (int i = 0; i < x.data.length; i++) { float v = x.data[i]; y.data[i] = v >= 0 ? v : alpha * v; }
        return y;
    }

    public static Tensor prelu(Tensor x, float[] slopes) {
        Tensor y = new Tensor(x.n, x.c, x.h, x.w);
        int plane = x.h * x.w;
        for (int i = 0; i < x.data.length; i++) {
            float s = slopes.length == 1 ? slopes[0] : slopes[(i / plane) % x.c];
            float v = x.data[i];
            y.data[i] = v >= 0 ? v : s * v;
        }
        return y;
    }

    public static Tensor affine(Tensor x, float[] scale, float[] shift) {
        Tensor y = new Tensor(x.n, x.c, x.h, x.w);
        int plane = x.h * x.w;
        for (int i = 0; i < x.data.length; i++) {
            int ch = (i / plane) % x.c;
            float s = scale.length == 1 ? scale[0] : scale[ch];
            float b = shift.length == 1 ? shift[0] : shift[ch];
            y.data[i] = x.data[i] * s + b;
        }
        return y;
    }

    public static Tensor add(Tensor a, Tensor b) { return add(a, b, null); }

    public static Tensor add(Tensor a, Tensor b, ForkJoinPool pool) {
        Tensor y = new Tensor(a.n, a.c, a.h, a.w);
        chunks(y.data.length, pool, (from, to) -> { for (int i = from; i < to; i++) y.data[i] = a.data[i] + b.data[i]; });
        return y;
    }

    public static Tensor sub(Tensor a, Tensor b) { return sub(a, b, null); }

    public static Tensor sub(Tensor a, Tensor b, ForkJoinPool pool) {
        Tensor y = new Tensor(a.n, a.c, a.h, a.w);
        chunks(y.data.length, pool, (from, to) -> { for (int i = from; i < to; i++) y.data[i] = a.data[i] - b.data[i]; });
        return y;
    }

    public static Tensor concat(List<Tensor> parts) {
        Tensor first = parts.get(0);
        int channels = 0;
        for (Tensor t : parts) channels += t.c;
        Tensor y = new Tensor(first.n, channels, first.h, first.w);
        int plane = first.h * first.w;
        for (int n = 0; n < first.n; n++) {
            int dst = n * channels * plane;
            for (Tensor t : parts) {
                int len = t.c * plane;
                System.arraycopy(t.data, n * len, y.data, dst, len);
                dst += len;
            }
        }
        return y;
    }

    public static Tensor depthToSpace(Tensor x, int b, Op.ShuffleOrder order) { return depthToSpace(x, b, order, null); }

    /** Pixel shuffle; one output channel plane per job, on the pool when there is one. */
    public static Tensor depthToSpace(Tensor x, int b, Op.ShuffleOrder order, ForkJoinPool pool) {
        int oc = x.c / (b * b);
        Tensor y = new Tensor(x.n, oc, x.h * b, x.w * b);
        Range planes = (from, to) -> {
            for (int job = from; job < to; job++) {
                int n = job / oc, c = job % oc;
                for (int i = 0; i < b; i++)
                    for (int j = 0; j < b; j++) {
                        int ic = order == Op.ShuffleOrder.CRD ? c * b * b + i * b + j : (i * b + j) * oc + c;
                        for (int h = 0; h < x.h; h++) {
                            int src = x.index(n, ic, h, 0), dst = y.index(n, c, h * b + i, j);
                            for (int w = 0; w < x.w; w++) y.data[dst + w * b] = x.data[src + w];
                        }
                    }
            }
        };
        int jobs = x.n * oc;
        if (pool == null) planes.run(0, jobs);
        else pool.submit(() -> IntStream.range(0, jobs).parallel().forEach(job -> planes.run(job, job + 1))).join();
        return y;
    }

    public static Tensor pad(Tensor x, Op.Pad p) {
        Tensor y = new Tensor(x.n, x.c, x.h + p.top() + p.bottom(), x.w + p.left() + p.right());
        for (int n = 0; n < x.n; n++)
            for (int c = 0; c < x.c; c++)
                for (int yy = 0; yy < y.h; yy++)
                    for (int xx = 0; xx < y.w; xx++) {
                        int sy = yy - p.top(), sx = xx - p.left();
                        float v;
                        if (p.mode() == Op.PadMode.EDGE) v = x.get(n, c, clamp(sy, x.h), clamp(sx, x.w));
                        else v = (sy < 0 || sy >= x.h || sx < 0 || sx >= x.w) ? p.value() : x.get(n, c, sy, sx);
                        y.data[y.index(n, c, yy, xx)] = v;
                    }
        return y;
    }

    private static int clamp(int v, int size) { return Math.min(Math.max(v, 0), size - 1); }

    public static Tensor resizeNearest(Tensor x, int s) {
        Tensor y = new Tensor(x.n, x.c, x.h * s, x.w * s);
        for (int n = 0; n < x.n; n++)
            for (int c = 0; c < x.c; c++)
                for (int yy = 0; yy < y.h; yy++)
                    for (int xx = 0; xx < y.w; xx++)
                        y.data[y.index(n, c, yy, xx)] = x.get(n, c, yy / s, xx / s);
        return y;
    }
}
