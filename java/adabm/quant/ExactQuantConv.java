package adabm.quant;

import adabm.AdabmException;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.stream.IntStream;

/**
 * A fake-quantized conv (ADABM.md §2) evaluated exactly and rounded once to float32: the oracle the integer plan
 * (native/src/int8_conv.h, int8_epilogue.h) must equal bit for bit.
 *
 * <p>With input codes q (the activation quantizer's, s_a = (u - l)/n in float32), weight codes c (odd, wq = c * s_w)
 * and zero padding that adds exact 0.0, each output is
 * <pre>  v = float( s_a*s_w * A + (s_w*l * S_in + bias) ),  A = sum q*c,  S_in = sum c  over the taps inside the image,</pre>
 * with A and S_in exact integers and the rest in double (s_a*s_w and s_w*l are products of two float32 values:
 * exact). This is the real-valued fake-quant conv to within a few double roundings, so rounding it to float32 gives
 * the exact value rounded once; the float32 fake-quant forward ({@link FakeQuantRunner} on float kernels) differs
 * from it by float32 summation error only. Plain Java, int sums, parallel over output channels.
 */
public final class ExactQuantConv {
    private ExactQuantConv() { }

    /** The conv's output for a batch, each sample at its own activation bits. */
    public static Tensor forward(Op.Conv2d c, LayerQuant layer, Tensor x, int[] bits) {
        if (!layer.calibrated()) throw new AdabmException("layer " + layer.name() + " is not calibrated (no activation or weight bounds)");
        if (bits.length != x.n) throw new IllegalArgumentException(bits.length + " bit widths for a batch of " + x.n);
        int kh = c.kernelH(), kw = c.kernelW(), taps = kh * kw, ipg = c.inPerGroup();
        if ((long) ipg * taps * 255 * 255 > Integer.MAX_VALUE)
            throw new AdabmException("layer " + layer.name() + ": " + ipg + " channels x " + taps + " taps could overflow an int sum");
        float uw = layer.weightBound();
        int nw = Quantizers.levels(Quantizers.checkBits(layer.weightBits(), "layer " + layer.name() + " weights"));
        float[] weight = c.weight();
        int[] codes = new int[weight.length];
        for (int i = 0; i < weight.length; i++) codes[i] = Quantizers.weightCode(weight[i], uw, nw);
        int outC = c.outChannels();
        long[] tapSums = new long[outC * taps];   // per output channel and tap: sum of c over the input channels
        for (int o = 0; o < outC; o++)
            for (int i = 0; i < ipg; i++)
                for (int t = 0; t < taps; t++) tapSums[o * taps + t] += codes[(o * ipg + i) * taps + t];
        float sw = uw / nw;
        int oh = x.h + c.padTop() + c.padBottom() - kh + 1, ow = x.w + c.padLeft() + c.padRight() - kw + 1;
        Tensor y = new Tensor(x.n, outC, oh, ow);
        for (int s = 0; s < x.n; s++) {
            int n = Quantizers.levels(Quantizers.checkBits(bits[s], "layer " + layer.name() + " activations"));
            float l = layer.lower(), u = layer.upper(), sa = (u - l) / n;
            int[] q = inputCodes(x, s, l, u, n);
            Sample sample = new Sample(c, x, y, s, q, codes, tapSums, (double) sa * sw, (double) sw * l);
            IntStream.range(0, outC).parallel().forEach(sample::channel);
        }
        return y;
    }

    /** Sample s's activation codes, NCHW, by {@link Quantizers#activationCode}. */
    private static int[] inputCodes(Tensor x, int s, float l, float u, int n) {
        int plane = x.c * x.h * x.w, base = s * plane;
        int[] q = new int[plane];
        for (int i = 0; i < plane; i++) q[i] = (int) Quantizers.activationCode(x.data[base + i], l, u, n);
        return q;
    }

    private record Sample(Op.Conv2d c, Tensor x, Tensor y, int s, int[] q, int[] codes, long[] tapSums, double scale,
                          double borderCoef) {
        void channel(int oc) {
            int kh = c.kernelH(), kw = c.kernelW(), taps = kh * kw, ipg = c.inPerGroup(), group = oc / c.outPerGroup();
            int ih = x.h, iw = x.w, oh = y.h, ow = y.w;
            int[] row = new int[ow];
            for (int oy = 0; oy < oh; oy++) {
                java.util.Arrays.fill(row, 0);
                for (int i = 0; i < ipg; i++) {
                    int inBase = ((group * ipg + i) * ih) * iw, wBase = (oc * ipg + i) * taps;
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = oy + ky - c.padTop();
                        if (iy < 0 || iy >= ih) continue;
                        int irow = inBase + iy * iw;
                        for (int kx = 0; kx < kw; kx++) {
                            int wv = codes[wBase + ky * kw + kx];
                            int shift = kx - c.padLeft();
                            int x0 = Math.max(0, -shift), x1 = Math.min(ow, iw - shift), src = irow + shift;
                            for (int ox = x0; ox < x1; ox++) row[ox] += wv * q[src + ox];
                        }
                    }
                }
                int at = y.index(s, oc, oy, 0);
                double bias = c.bias()[oc];
                for (int ox = 0; ox < ow; ox++) {
                    long inside = 0;   // S_in: the taps of this output that lie inside the image
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = oy + ky - c.padTop();
                        if (iy < 0 || iy >= ih) continue;
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = ox + kx - c.padLeft();
                            if (ix >= 0 && ix < iw) inside += tapSums[oc * taps + ky * kw + kx];
                        }
                    }
                    y.data[at + ox] = (float) (scale * row[ox] + (borderCoef * inside + bias));
                }
            }
        }
    }
}
