package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Quantizers#activationBackward} (the tape's bulk STE loop) against the per-value gradient functions: values
 * below, at, inside and above [l, u], on rounding ties, zero and negative-zero upstream gradients. dx bit for bit; the
 * sums are added in another order (and the bit gradient's factor is not rounded to float per value), so they agree
 * to within the rounding of the per-value oracle: each of its terms carries a float rounding (2^-24 relative) for
 * the bit gradient and the double sums of 5000 terms at most 5000 * 2^-53 of the sum of magnitudes.
 */
class ActivationBackwardTest {
    @Test void bulkBackwardEqualsPerValueFunctionsBitForBit() {
        Random r = new Random(11);
        for (int bits = Quantizers.MIN_BITS; bits <= Quantizers.MAX_BITS; bits++) {
            float l = -0.37f * (1 + r.nextFloat()), u = 1.9f * (1 + r.nextFloat());
            int len = 5000, from = 7;
            float[] x = new float[from + len + 3], dxq = new float[x.length];
            int n = Quantizers.levels(bits);
            for (int k = 0; k < x.length; k++) {
                x[k] = switch (k % 7) {
                    case 0 -> l;
                    case 1 -> u;
                    case 2 -> l + (u - l) * (r.nextInt(n) + 0.5f) / n;   // near a rounding tie
                    case 3 -> l - r.nextFloat();
                    case 4 -> u + r.nextFloat();
                    default -> l + (u - l) * r.nextFloat();
                };
                dxq[k] = switch (k % 11) {
                    case 0 -> 0f;
                    case 1 -> -0f;
                    default -> (float) r.nextGaussian();
                };
            }
            for (boolean withBits : new boolean[] {true, false}) {
                float[] expectedDx = new float[x.length], dx = new float[x.length];
                double gl = 0.25, gu = -0.5, gb = 0.125;   // running sums carried in
                double ml = 0, mu = 0, mb = 0;              // sums of the terms' magnitudes
                for (int k = from; k < from + len; k++) {
                    float v = x[k], d = dxq[k];
                    if (d == 0f) continue;
                    expectedDx[k] = d * Quantizers.activationGradX(v, l, u);
                    gl += d * (double) Quantizers.activationGradL(v, l, u, bits);
                    gu += d * (double) Quantizers.activationGradU(v, l, u, bits);
                    if (withBits) gb += d * (double) Quantizers.activationGradBits(v, l, u, bits);
                    ml += Math.abs(d * (double) Quantizers.activationGradL(v, l, u, bits));
                    mu += Math.abs(d * (double) Quantizers.activationGradU(v, l, u, bits));
                    mb += Math.abs(d * (double) Quantizers.activationGradBits(v, l, u, bits));
                }
                Quantizers.ActivationGradSums sums = new Quantizers.ActivationGradSums();
                sums.lower = 0.25; sums.upper = -0.5; sums.bits = 0.125;
                Quantizers.activationBackward(x, dxq, from, len, l, u, bits, withBits, dx, sums);
                String at = bits + " bits, withBits " + withBits;
                assertArrayEquals(expectedDx, dx, at);
                for (int k = 0; k < x.length; k++) assertEquals(Float.floatToRawIntBits(expectedDx[k]), Float.floatToRawIntBits(dx[k]), at + " dx[" + k + "] sign of zero");
                double doubleSum = 2 * len * 0x1p-53;
                assertEquals(gl, sums.lower, doubleSum * (ml + 1), at + " l");
                assertEquals(gu, sums.upper, doubleSum * (mu + 1), at + " u");
                assertEquals(gb, sums.bits, (0x1p-24 + doubleSum) * (mb + 1), at + " bits");
                if (withBits) assertNotEquals(0.125, sums.bits, at + ": the bit gradient moved");
            }
        }
    }

    @Test void badQuantizerSettingsAreRejected() {
        float[] v = new float[4];
        var sums = new Quantizers.ActivationGradSums();
        assertThrows(IllegalArgumentException.class, () -> Quantizers.activationBackward(v, v, 0, 4, 0, 1, 1, true, v, sums));
        assertThrows(IllegalArgumentException.class, () -> Quantizers.activationBackward(v, v, 0, 4, 1, 1, 4, true, v, sums));
    }
}
