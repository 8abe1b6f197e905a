package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The §2 gradients against central finite differences of the straight-through surrogate: the rounding residual
 * r - n v is frozen at the evaluation point (round treated as identity in backward), so the surrogate is smooth
 * and its numeric derivative is what a tape with a straight-through round computes. Outside [l, u] the surrogate is
 * the clamped value itself. Doubles with step 1e-6 give ~1e-8 accuracy; the analytic values are float32, so 1e-4.
 */
class QuantizerGradientTest {
    private static final double H = 1e-6, TOL = 1e-4;

    /** xq surrogate with frozen residual delta, bits as a real number (n = 2^b - 1). */
    private static double actSurrogate(double x, double l, double u, double b, double delta) {
        double n = Math.pow(2, b) - 1;
        double c = Math.min(Math.max(x, l), u);
        double v = (c - l) / (u - l);
        return l + (n * v + delta) * (u - l) / n;
    }

    private static double actDelta(double x, double l, double u, int bits) {
        double n = Math.pow(2, bits) - 1;
        double v = (Math.min(Math.max(x, l), u) - l) / (u - l);
        return Math.rint(n * v) - n * v;
    }

    private static double wSurrogate(double w, double uw, double n, double delta) {
        double wc = Math.min(Math.max(w, -uw), uw);
        return -uw + (n * (wc + uw) / (2 * uw) + delta) * 2 * uw / n;
    }

    @Test
    void activationGradientsMatchFiniteDifferences() {
        Random rnd = new Random(7);
        int checked = 0;
        for (int t = 0; t < 400; t++) {
            int bits = 2 + rnd.nextInt(7);
            double l = -2 + rnd.nextDouble(), u = l + 0.5 + 3 * rnd.nextDouble();
            double x = l - 1 + (u - l + 2) * rnd.nextDouble();
            if (Math.abs(x - l) < 1e-3 || Math.abs(x - u) < 1e-3) continue;   // kinks of the clamp
            double d = actDelta(x, l, u, bits);
            if (Math.abs(Math.abs(d) - 0.5) < 1e-6) continue;                  // exact tie: residual ambiguous
            double fdX = (actSurrogate(x + H, l, u, bits, d) - actSurrogate(x - H, l, u, bits, d)) / (2 * H);
            double fdU = (actSurrogate(x, l, u + H, bits, d) - actSurrogate(x, l, u - H, bits, d)) / (2 * H);
            double fdL = (actSurrogate(x, l + H, u, bits, d) - actSurrogate(x, l - H, u, bits, d)) / (2 * H);
            double fdB = (actSurrogate(x, l, u, bits + H, d) - actSurrogate(x, l, u, bits - H, d)) / (2 * H);
            float fx = (float) x, fl = (float) l, fu = (float) u;
            String at = "x=" + x + " l=" + l + " u=" + u + " b=" + bits;
            assertEquals(fdX, Quantizers.activationGradX(fx, fl, fu), TOL, "dx " + at);
            assertEquals(fdU, Quantizers.activationGradU(fx, fl, fu, bits), TOL, "du " + at);
            assertEquals(fdL, Quantizers.activationGradL(fx, fl, fu, bits), TOL, "dl " + at);
            assertEquals(fdB, Quantizers.activationGradBits(fx, fl, fu, bits), TOL * Math.max(1, Math.abs(fdB)), "db " + at);
            checked++;
        }
        assertTrue(checked > 300, "too few points checked: " + checked);
    }

    @Test
    void activationGradientRegions() {
        // above u: du = 1, dl = 0, dx = 0; below l: dl = 1, du = 0, dx = 0; db = 0 outside (no rounding error there)
        assertEquals(1f, Quantizers.activationGradU(5, 0, 1, 4));
        assertEquals(0f, Quantizers.activationGradL(5, 0, 1, 4));
        assertEquals(0f, Quantizers.activationGradX(5, 0, 1));
        assertEquals(1f, Quantizers.activationGradL(-5, 0, 1, 4));
        assertEquals(0f, Quantizers.activationGradU(-5, 0, 1, 4));
        assertEquals(0f, Quantizers.activationGradBits(5, 0, 1, 4));
        // inside, by hand: l=0,u=3,b=2,x=1.2: v=0.4, r=round(1.2)=1 -> du = 1/3 - 0.4, dl = 0.4 - 1/3
        assertEquals(1.0 / 3 - 0.4, Quantizers.activationGradU(1.2f, 0, 3, 2), 1e-6);
        assertEquals(0.4 - 1.0 / 3, Quantizers.activationGradL(1.2f, 0, 3, 2), 1e-6);
        // db = 3 * (0.4 - 1/3) * 4 ln2 / 3
        assertEquals(3 * (0.4 - 1.0 / 3) * 4 * Math.log(2) / 3, Quantizers.activationGradBits(1.2f, 0, 3, 2), 1e-6);
    }

    @Test
    void weightBoundGradientMatchesFiniteDifferences() {
        Random rnd = new Random(11);
        int checked = 0;
        for (int t = 0; t < 400; t++) {
            int bits = 2 + rnd.nextInt(7);
            double n = Math.pow(2, bits) - 1;
            double uw = 0.2 + rnd.nextDouble();
            double w = (rnd.nextDouble() * 2 - 1) * 1.6 * uw;
            if (Math.abs(Math.abs(w) - uw) < 1e-3) continue;
            double z = n * (Math.min(Math.max(w, -uw), uw) + uw) / (2 * uw);
            double d = Math.rint(z) - z;
            if (Math.abs(Math.abs(d) - 0.5) < 1e-6) continue;
            double fd = (wSurrogate(w, uw + H, n, d) - wSurrogate(w, uw - H, n, d)) / (2 * H);
            assertEquals(fd, Quantizers.weightGradBound((float) w, (float) uw, bits), TOL, "w=" + w + " uw=" + uw + " b=" + bits);
            checked++;
        }
        assertTrue(checked > 300);
        assertEquals(1f, Quantizers.weightGradBound(2f, 1f, 4));
        assertEquals(-1f, Quantizers.weightGradBound(-2f, 1f, 4));
    }

    @Test
    void softBitMapGradientsMatchFiniteDifferences() {
        double g = 3.3, tl = 2.0, th = 5.0;
        double fdL = (BitMaps.softImageOffset(g, tl + H, th) - BitMaps.softImageOffset(g, tl - H, th)) / (2 * H);
        double fdH = (BitMaps.softImageOffset(g, tl, th + H) - BitMaps.softImageOffset(g, tl, th - H)) / (2 * H);
        assertEquals(fdL, BitMaps.softImageOffsetGradTauLow(g, tl, th), 1e-7);
        assertEquals(fdH, BitMaps.softImageOffsetGradTauHigh(g, tl, th), 1e-7);
        double m = 0.37;
        assertEquals((Math.tanh(m + H) - Math.tanh(m - H)) / (2 * H), BitMaps.softLayerOffsetGrad(m), 1e-7);
    }

    @Test
    void hardBitMaps() {
        assertEquals(-1, BitMaps.layerOffset(-3f));
        assertEquals(0, BitMaps.layerOffset(-0.5f), "tie rounds to even 0");
        assertEquals(0, BitMaps.layerOffset(0.49f));
        assertEquals(1, BitMaps.layerOffset(0.51f));
        assertEquals(1, BitMaps.layerOffset(7f));
        assertEquals(-1, BitMaps.imageOffset(1.9, 2, 5));
        assertEquals(0, BitMaps.imageOffset(2, 2, 5));
        assertEquals(0, BitMaps.imageOffset(5, 2, 5));
        assertEquals(1, BitMaps.imageOffset(5.1, 2, 5));
        assertEquals(-1, BitMaps.offsetFromScore(0.9, 1, 2));
        assertEquals(1, BitMaps.offsetFromScore(2.1, 1, 2));
        assertEquals(0, BitMaps.offsetFromScore(1.5, 1, 2));
    }
}
