package adabm.backend.onednn;

import adabm.backend.onednn.QuantConv.Geometry;
import adabm.backend.onednn.QuantConv.Requant;
import java.util.Random;

/**
 * Run in a child JVM by {@link QuantConvTest} with ONEDNN_MAX_CPU_ISA capped below VNNI: the widest codes (8-bit
 * activations x 7- and 8-bit weights, where s16 pair sums would saturate) must still match the float64 oracle.
 * Prints the implementation, then "ok" or throws.
 */
public final class QuantConvIsaProbe {
    private QuantConvIsaProbe() { }

    public static void main(String[] args) {
        Random rnd = new Random(17);
        Geometry g = Geometry.same(32, 16, 3, 1);
        float[] weight = QuantConvTest.uniform(rnd, (int) g.weightCount(), 0.2);
        float[] bias = QuantConvTest.uniform(rnd, g.outC(), 0.5);
        int n = 2, h = 6, w = 5, b = 8;
        float l = -0.6f, u = 1.3f;
        try (QuantConv conv = new QuantConv(g, weight, bias, 1)) {
            for (int bw : new int[] {7, 8}) {
                conv.setWeightBits(0.19f, bw);
                byte[] q = new byte[n * h * w * g.inC()];
                for (int i = 0; i < q.length; i++) q[i] = (byte) (rnd.nextBoolean() ? 255 : rnd.nextInt(256));  // many maxima
                QuantConvTest.Expected e = QuantConvTest.oracle(g, weight, bias, 0.19f, bw, q, n, h, w, l, u, b, h, w);
                Requant next = new Requant(-2f, 2f, 8);
                QuantConv.Output out = conv.run(q, n, h, w, l, u, b, next);
                QuantConv.Output codes = conv.runCodes(q, n, h, w, l, u, b, next);
                for (int i = 0; i < e.values().length; i++) {
                    double bound = QuantConvTest.RELATIVE_BOUND * e.magnitude()[i];
                    if (!(Math.abs(out.values()[i] - e.values()[i]) <= bound))
                        throw new AssertionError("bw " + bw + " at " + i + ": " + out.values()[i] + " vs " + e.values()[i]);
                    QuantConvTest.checkCode(e.values()[i], bound, next, codes.codes()[i] & 0xff, "bw " + bw + " codes at " + i);
                }
                System.out.println("bw " + bw + ": " + conv.implementation().replace('\n', ' '));
            }
        }
        System.out.println("ok");
    }
}
