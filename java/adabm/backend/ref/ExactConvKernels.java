package adabm.backend.ref;

import adabm.backend.ConvKernels;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.stream.IntStream;

/**
 * Float convs without float32 summation noise: each output is bias, then plus weight x input over input channels,
 * kernel rows and kernel columns in that order (taps outside the image skipped), every product and sum in float64
 * (products of two float32 values are exact in float64), rounded once to float32. Forward only; slow (plain Java).
 *
 * <p>Why: a float32 conv's summation error (~1e-6 of the magnitude) moves a later quantizer's code wherever a value
 * sits near a rounding boundary, and in a 20-30-layer network each moved code moves more; two float32 fake-quant
 * implementations (Java, oneDNN) differ in ~2% of the 8-bit pixels of a Set5 image. The integer plan runs the float
 * convs that feed a quantizer with the same sums in the same order (native/src/exact_float_conv.h), so the exact
 * fake-quant forward ({@code FakeQuantRunner.exact}) is the oracle it must equal bit for bit.
 */
public final class ExactConvKernels implements ConvKernels {
    @Override public String name() { return "exact"; }

    @Override public Tensor forward(Op.Conv2d c, float[] weight, Tensor x) {
        int oh = x.h + c.padTop() + c.padBottom() - c.kernelH() + 1, ow = x.w + c.padLeft() + c.padRight() - c.kernelW() + 1;
        Tensor y = new Tensor(x.n, c.outChannels(), oh, ow);
        double[] in = new double[x.data.length];
        for (int i = 0; i < in.length; i++) in[i] = x.data[i];
        double[] wt = new double[weight.length];
        for (int i = 0; i < wt.length; i++) wt[i] = weight[i];
        IntStream.range(0, x.n * c.outChannels()).parallel()
                .forEach(job -> channel(x, in, c, wt, y, job / c.outChannels(), job % c.outChannels()));
        return y;
    }

    private static void channel(Tensor x, double[] in, Op.Conv2d c, double[] wt, Tensor y, int n, int oc) {
        int kh = c.kernelH(), kw = c.kernelW(), ipg = c.inPerGroup(), group = oc / c.outPerGroup();
        int ih = x.h, iw = x.w, oh = y.h, ow = y.w;
        double[] row = new double[ow];
        for (int oy = 0; oy < oh; oy++) {
            java.util.Arrays.fill(row, c.bias()[oc]);
            for (int i = 0; i < ipg; i++) {
                int inBase = x.index(n, group * ipg + i, 0, 0), wBase = (oc * ipg + i) * kh * kw;
                for (int ky = 0; ky < kh; ky++) {
                    int iy = oy + ky - c.padTop();
                    if (iy < 0 || iy >= ih) continue;
                    int irow = inBase + iy * iw;
                    for (int kx = 0; kx < kw; kx++) {
                        double wv = wt[wBase + ky * kw + kx];
                        int shift = kx - c.padLeft();
                        int x0 = Math.max(0, -shift), x1 = Math.min(ow, iw - shift), src = irow + shift;
                        for (int ox = x0; ox < x1; ox++) row[ox] += wv * in[src + ox];
                    }
                }
            }
            int at = y.index(n, oc, oy, 0);
            for (int ox = 0; ox < ow; ox++) y.data[at + ox] = (float) row[ox];
        }
    }

    @Override public Tensor backwardData(Op.Conv2d conv, float[] weight, Tensor dy, int inH, int inW) {
        throw new UnsupportedOperationException("forward only");
    }

    @Override public float[] backwardWeights(Op.Conv2d conv, Tensor x, Tensor dy) {
        throw new UnsupportedOperationException("forward only");
    }

    @Override public void close() { }
}
