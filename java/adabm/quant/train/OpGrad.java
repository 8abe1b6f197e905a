package adabm.quant.train;

import adabm.graph.Op;
import adabm.quant.Parallel;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Backward of the non-conv IR ops of {@link adabm.backend.ref.RefKernels}: each takes dL/dy (and what the forward
 * saw) and returns dL/d(input). Parameters (slopes, affine scale/shift) are frozen, so only input gradients exist.
 */
public final class OpGrad {
    private OpGrad() { }

    /** Relu: passes where the input was positive (derivative 0 at 0). */
    public static Tensor relu(Tensor dy, Tensor x) {
        Tensor dx = like(dy);
        Parallel.ranges(0, dx.data.length, (from, to) -> { for (int i = from; i < to; i++) dx.data[i] = x.data[i] > 0 ? dy.data[i] : 0f; });
        return dx;
    }

    /** Leaky relu: slope 1 where x >= 0 (the forward's branch), alpha elsewhere. */
    public static Tensor leakyRelu(Tensor dy, Tensor x, float alpha) {
        Tensor dx = like(dy);
        for (int i = 0; i < dx.data.length; i++) dx.data[i] = x.data[i] >= 0 ? dy.data[i] : alpha * dy.data[i];
        return dx;
    }

    public static Tensor prelu(Tensor dy, Tensor x, float[] slopes) {
        Tensor dx = like(dy);
        int plane = x.h * x.w;
        for (int i = 0; i < dx.data.length; i++) {
            float s = slopes.length == 1 ? slopes[0] : slopes[(i / plane) % x.c];
            dx.data[i] = x.data[i] >= 0 ? dy.data[i] : s * dy.data[i];
        }
        return dx;
    }

    public static Tensor affine(Tensor dy, float[] scale) {
        Tensor dx = like(dy);
        int plane = dy.h * dy.w;
        for (int i = 0; i < dx.data.length; i++) dx.data[i] = dy.data[i] * (scale.length == 1 ? scale[0] : scale[(i / plane) % dy.c]);
        return dx;
    }

    public static Tensor negate(Tensor dy) {
        Tensor dx = like(dy);
        for (int i = 0; i < dx.data.length; i++) dx.data[i] = -dy.data[i];
        return dx;
    }

    /** Splits the gradient of a channel concat back into its parts (channel counts given). */
    public static List<Tensor> concat(Tensor dy, int[] channels) {
        List<Tensor> out = new ArrayList<>();
        int plane = dy.h * dy.w, offset = 0;
        for (int ch : channels) {
            Tensor part = new Tensor(dy.n, ch, dy.h, dy.w);
            for (int n = 0; n < dy.n; n++) System.arraycopy(dy.data, (n * dy.c + offset) * plane, part.data, n * ch * plane, ch * plane);
            out.add(part);
            offset += ch;
        }
        return out;
    }

    /** Inverse gather of depth-to-space: each input element received exactly one output element. */
    public static Tensor depthToSpace(Tensor dy, int b, Op.ShuffleOrder order) {
        int oc = dy.c, ih = dy.h / b, iw = dy.w / b;
        Tensor dx = new Tensor(dy.n, oc * b * b, ih, iw);
        Parallel.each(dy.n * oc, job -> {   // one output-gradient channel plane per job
            int n = job / oc, c = job % oc;
            for (int i = 0; i < b; i++)
                for (int j = 0; j < b; j++) {
                    int ic = order == Op.ShuffleOrder.CRD ? c * b * b + i * b + j : (i * b + j) * oc + c;
                    for (int h = 0; h < ih; h++) {
                        int dst = dx.index(n, ic, h, 0), src = dy.index(n, c, h * b + i, j);
                        for (int w = 0; w < iw; w++) dx.data[dst + w] = dy.data[src + w * b];
                    }
                }
        });
        return dx;
    }

    /** Constant pad: the interior; edge pad: every output position adds into the input pixel it copied. */
    public static Tensor pad(Tensor dy, Op.Pad p, int ih, int iw) {
        Tensor dx = new Tensor(dy.n, dy.c, ih, iw);
        for (int n = 0; n < dy.n; n++)
            for (int c = 0; c < dy.c; c++)
                for (int yy = 0; yy < dy.h; yy++)
                    for (int xx = 0; xx < dy.w; xx++) {
                        int sy = yy - p.top(), sx = xx - p.left();
                        if (p.mode() == Op.PadMode.EDGE) {
                            sy = Math.min(Math.max(sy, 0), ih - 1);
                            sx = Math.min(Math.max(sx, 0), iw - 1);
                        } else if (sy < 0 || sy >= ih || sx < 0 || sx >= iw) continue;
                        dx.data[dx.index(n, c, sy, sx)] += dy.data[dy.index(n, c, yy, xx)];
                    }
        return dx;
    }

    /** Nearest upsampling: each input pixel sums its s x s block. */
    public static Tensor resizeNearest(Tensor dy, int s) {
        Tensor dx = new Tensor(dy.n, dy.c, dy.h / s, dy.w / s);
        for (int n = 0; n < dy.n; n++)
            for (int c = 0; c < dy.c; c++)
                for (int yy = 0; yy < dy.h; yy++)
                    for (int xx = 0; xx < dy.w; xx++)
                        dx.data[dx.index(n, c, yy / s, xx / s)] += dy.data[dy.index(n, c, yy, xx)];
        return dx;
    }

    private static Tensor like(Tensor t) { return new Tensor(t.n, t.c, t.h, t.w); }
}
