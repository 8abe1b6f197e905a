package adabm.backend.ref;

import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Backward of {@link adabm.backend.ref.RefKernels#conv2d} (stride 1, zero padding, groups): the gradient w.r.t. the
 * input (padded positions are dropped, they were constant 0) and w.r.t. the weight. Same loop order as the forward.
 */
public final class ConvGrad {
    private ConvGrad() { }

    /** dL/dx for dy = dL/dy, using the weight array {@code w} (OIHW, the conv's layout). Jobs split over (n, ic). */
    public static Tensor backwardData(Tensor dy, Op.Conv2d c, float[] w, int ih, int iw, ForkJoinPool pool) {
        Tensor dx = new Tensor(dy.n, c.inChannels(), ih, iw);
        int jobs = dy.n * c.inChannels();
        run(jobs, pool, job -> dataChannel(dy, c, w, dx, job / c.inChannels(), job % c.inChannels()));
        return dx;
    }

    private static void dataChannel(Tensor dy, Op.Conv2d c, float[] w, Tensor dx, int n, int ic) {
        int kh = c.kernelH(), kw = c.kernelW(), ipg = c.inPerGroup(), opg = c.outPerGroup();
        int group = ic / ipg, i = ic % ipg;
        int inBase = dx.index(n, ic, 0, 0);
        for (int oc = group * opg; oc < (group + 1) * opg; oc++) {
            int outBase = dy.index(n, oc, 0, 0);
            int wBase = (oc * ipg + i) * kh * kw;
            for (int oy = 0; oy < dy.h; oy++) {
                int orow = outBase + oy * dy.w;
                for (int ky = 0; ky < kh; ky++) {
                    int iy = oy + ky - c.padTop();
                    if (iy < 0 || iy >= dx.h) continue;
                    int irow = inBase + iy * dx.w;
                    for (int kx = 0; kx < kw; kx++) {
                        float wv = w[wBase + ky * kw + kx];
                        int shift = kx - c.padLeft();
                        int x0 = Math.max(0, -shift), x1 = Math.min(dy.w, dx.w - shift);
                        int dst = irow + shift;
                        for (int ox = x0; ox < x1; ox++) dx.data[dst + ox] += wv * dy.data[orow + ox];
                    }
                }
            }
        }
    }

    /** dL/dW (OIHW) for dy = dL/dy and the conv's actual input x (already fake-quantized where it was). */
    public static float[] backwardWeights(Tensor dy, Tensor x, Op.Conv2d c, ForkJoinPool pool) {
        int kh = c.kernelH(), kw = c.kernelW(), ipg = c.inPerGroup();
        float[] dw = new float[c.outChannels() * ipg * kh * kw];
        run(c.outChannels(), pool, oc -> {
            int group = oc / c.outPerGroup();
            for (int i = 0; i < ipg; i++) {
                int ic = group * ipg + i;
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++) {
                        int shift = kx - c.padLeft();
                        int x0 = Math.max(0, -shift), x1 = Math.min(dy.w, x.w - shift);
                        double sum = 0;
                        for (int n = 0; n < dy.n; n++) {
                            int outBase = dy.index(n, oc, 0, 0), inBase = x.index(n, ic, 0, 0);
                            for (int oy = 0; oy < dy.h; oy++) {
                                int iy = oy + ky - c.padTop();
                                if (iy < 0 || iy >= x.h) continue;
                                int orow = outBase + oy * dy.w, src = inBase + iy * x.w + shift;
                                sum += dotRow(dy.data, orow, x.data, src, x0, x1);
                            }
                        }
                        dw[((oc * ipg + i) * kh + ky) * kw + kx] = (float) sum;
                    }
            }
        });
        return dw;
    }

    /** sum a[ia + k] * b[ib + k] for k in [from, to), four independent float accumulators so the loop pipelines. */
    private static float dotRow(float[] a, int ia, float[] b, int ib, int from, int to) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int k = from;
        for (; k + 3 < to; k += 4) {
            s0 += a[ia + k] * b[ib + k];
            s1 += a[ia + k + 1] * b[ib + k + 1];
            s2 += a[ia + k + 2] * b[ib + k + 2];
            s3 += a[ia + k + 3] * b[ib + k + 3];
        }
        for (; k < to; k++) s0 += a[ia + k] * b[ib + k];
        return (s0 + s1) + (s2 + s3);
    }

    private static void run(int jobs, ForkJoinPool pool, IntConsumer job) {
        if (pool == null) IntStream.range(0, jobs).forEach(job);
        else pool.submit(() -> IntStream.range(0, jobs).parallel().forEach(job)).join();
    }
}
