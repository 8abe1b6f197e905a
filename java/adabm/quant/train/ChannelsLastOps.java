package adabm.quant.train;

import adabm.backend.ref.RefKernels;
import adabm.graph.Op;
import adabm.quant.Parallel;
import adabm.tensor.Layout;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

/**
 * The non-conv IR ops and their backward passes on channels-last (NHWC) tensors, for the fine-tuning tape. Element-
 * wise ops are layout-free and reuse {@link RefKernels}/{@link OpGrad}; per-channel ops index channel i % C; concat
 * and pixel shuffle have their own NHWC loops; pad and nearest resize (rare in SR bodies) reorder to NCHW around the
 * reference ops. Every result equals the NCHW op's result, reordered.
 */
final class ChannelsLastOps {
    private ChannelsLastOps() { }

    /** Forward of one op on NHWC tensors looked up by name. */
    static Tensor apply(Op op, Map<String, Tensor> values) {
        Tensor x = values.get(op.inputs().get(0));
        ForkJoinPool pool = ForkJoinPool.commonPool();
        return switch (op) {
            case Op.Conv2d c -> throw new IllegalStateException("convs run on the conv kernels");
            case Op.Relu r -> RefKernels.relu(x, pool);
            case Op.LeakyRelu r -> RefKernels.leakyRelu(x, r.alpha());
            case Op.PRelu p -> prelu(x, p.slopes());
            case Op.Affine a -> affine(x, a.scale(), a.shift());
            case Op.Add a -> RefKernels.add(x, values.get(a.b()), pool);
            case Op.Sub s -> RefKernels.sub(x, values.get(s.b()), pool);
            case Op.Concat c -> concat(c.inputs().stream().map(values::get).toList());
            case Op.DepthToSpace d -> depthToSpace(x, d.block(), d.order());
            case Op.Pad p -> Layout.toNhwc(RefKernels.pad(Layout.toNchw(x), p));
            case Op.ResizeNearest r -> Layout.toNhwc(RefKernels.resizeNearest(Layout.toNchw(x), r.scale()));
        };
    }

    static Tensor prelu(Tensor x, float[] slopes) {
        Tensor y = like(x);
        int c = x.c;
        Parallel.ranges(0, y.data.length, (from, to) -> {
            for (int i = from; i < to; i++) {
                float v = x.data[i];
                y.data[i] = v >= 0 ? v : (slopes.length == 1 ? slopes[0] : slopes[i % c]) * v;
            }
        });
        return y;
    }

    static Tensor affine(Tensor x, float[] scale, float[] shift) {
        Tensor y = like(x);
        int c = x.c;
        Parallel.ranges(0, y.data.length, (from, to) -> {
            for (int i = from; i < to; i++) {
                int ch = i % c;
                y.data[i] = x.data[i] * (scale.length == 1 ? scale[0] : scale[ch]) + (shift.length == 1 ? shift[0] : shift[ch]);
            }
        });
        return y;
    }

    static Tensor concat(List<Tensor> parts) {
        Tensor first = parts.get(0);
        int channels = 0;
        for (Tensor t : parts) channels += t.c;
        Tensor y = new Tensor(first.n, channels, first.h, first.w);
        int total = channels;
        Parallel.ranges(0, first.n * first.h * first.w, (from, to) -> {   // pixels
            for (int p = from; p < to; p++) {
                int dst = p * total;
                for (Tensor t : parts) {
                    System.arraycopy(t.data, p * t.c, y.data, dst, t.c);
                    dst += t.c;
                }
            }
        });
        return y;
    }

    /** Pixel shuffle: output (n, y*b+i, x*b+j, c) = input (n, y, x, ic(c, i, j)). */
    static Tensor depthToSpace(Tensor x, int b, Op.ShuffleOrder order) {
        int oc = x.c / (b * b);
        Tensor y = new Tensor(x.n, oc, x.h * b, x.w * b);
        int[] source = shuffleChannels(oc, b, order);
        Parallel.each(x.n * x.h, row -> {   // one input row per job
            int n = row / x.h, yy = row % x.h;
            for (int xx = 0; xx < x.w; xx++) {
                int src = ((n * x.h + yy) * x.w + xx) * x.c;
                for (int i = 0; i < b; i++)
                    for (int j = 0; j < b; j++) {
                        int dst = ((n * y.h + yy * b + i) * y.w + xx * b + j) * oc, k = (i * b + j) * oc;
                        for (int c = 0; c < oc; c++) y.data[dst + c] = x.data[src + source[k + c]];
                    }
            }
        });
        return y;
    }

    // ---- backward: dL/d(input) for dL/dy ----

    static Tensor preluGrad(Tensor dy, Tensor x, float[] slopes) {
        Tensor dx = like(dy);
        int c = x.c;
        Parallel.ranges(0, dx.data.length, (from, to) -> {
            for (int i = from; i < to; i++)
                dx.data[i] = x.data[i] >= 0 ? dy.data[i] : (slopes.length == 1 ? slopes[0] : slopes[i % c]) * dy.data[i];
        });
        return dx;
    }

    static Tensor affineGrad(Tensor dy, float[] scale) {
        Tensor dx = like(dy);
        int c = dy.c;
        Parallel.ranges(0, dx.data.length, (from, to) -> {
            for (int i = from; i < to; i++) dx.data[i] = dy.data[i] * (scale.length == 1 ? scale[0] : scale[i % c]);
        });
        return dx;
    }

    static List<Tensor> concatGrad(Tensor dy, int[] channels) {
        Tensor[] parts = new Tensor[channels.length];
        for (int k = 0; k < channels.length; k++) parts[k] = new Tensor(dy.n, channels[k], dy.h, dy.w);
        Parallel.ranges(0, dy.n * dy.h * dy.w, (from, to) -> {
            for (int p = from; p < to; p++) {
                int src = p * dy.c;
                for (int k = 0; k < channels.length; k++) {
                    System.arraycopy(dy.data, src, parts[k].data, p * channels[k], channels[k]);
                    src += channels[k];
                }
            }
        });
        return List.of(parts);
    }

    static Tensor depthToSpaceGrad(Tensor dy, int b, Op.ShuffleOrder order) {
        int oc = dy.c, ih = dy.h / b, iw = dy.w / b;
        Tensor dx = new Tensor(dy.n, oc * b * b, ih, iw);
        int[] source = shuffleChannels(oc, b, order);
        Parallel.each(dy.n * ih, row -> {
            int n = row / ih, yy = row % ih;
            for (int xx = 0; xx < iw; xx++) {
                int dst = ((n * ih + yy) * iw + xx) * dx.c;
                for (int i = 0; i < b; i++)
                    for (int j = 0; j < b; j++) {
                        int src = ((n * dy.h + yy * b + i) * dy.w + xx * b + j) * oc, k = (i * b + j) * oc;
                        for (int c = 0; c < oc; c++) dx.data[dst + source[k + c]] = dy.data[src + c];
                    }
            }
        });
        return dx;
    }

    static Tensor padGrad(Tensor dy, Op.Pad p, int ih, int iw) { return Layout.toNhwc(OpGrad.pad(Layout.toNchw(dy), p, ih, iw)); }

    static Tensor resizeNearestGrad(Tensor dy, int s) { return Layout.toNhwc(OpGrad.resizeNearest(Layout.toNchw(dy), s)); }

    /** For sub-position (i, j) and output channel c, at (i*b + j)*oc + c: the input channel pixel shuffle reads. */
    private static int[] shuffleChannels(int oc, int b, Op.ShuffleOrder order) {
        int[] source = new int[b * b * oc];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < b; j++)
                for (int c = 0; c < oc; c++)
                    source[(i * b + j) * oc + c] = order == Op.ShuffleOrder.CRD ? c * b * b + i * b + j : (i * b + j) * oc + c;
        return source;
    }

    private static Tensor like(Tensor t) { return new Tensor(t.n, t.c, t.h, t.w); }
}
