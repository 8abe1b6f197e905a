package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Weight bound search (ADABM.md §3): candidates from the signed max, least MSE, first minimum wins. */
class WeightBoundSearchTest {
    @Test
    void picksTheFirstLeastErrorCandidate() {
        Random r = new Random(5);
        for (int bits = 2; bits <= 8; bits++) {
            float[] w = new float[500];
            for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.05);
            w[17] = 0.6f;   // an outlier: clipping it pays at low bits
            float u0 = 0.6f;
            float uw = WeightBoundSearch.search(w, bits);
            int chosen = -1;
            double[] err = new double[50];
            for (int i = 0; i < 50; i++) {
                float c = u0 * (1 - 0.01f * i);
                double s = 0;
                for (float v : w) { double d = v - Quantizers.weight(v, c, bits); s += d * d; }
                err[i] = s / w.length;
                if (c == uw && chosen < 0) chosen = i;
            }
            assertTrue(chosen >= 0, "result " + uw + " is not a candidate");
            for (int i = 0; i < 50; i++) {
                if (i < chosen) assertTrue(err[i] > err[chosen], "an earlier candidate " + i + " is as good");
                else assertTrue(err[i] >= err[chosen], "candidate " + i + " is better");
            }
            if (bits <= 4) assertTrue(chosen > 0, "an outlier should be clipped at " + bits + " bits");
        }
    }

    @Test
    void startsFromTheSignedMax() {
        // max(W) = 1 though max|W| = 3: candidates are 1, 0.99, ... so the bound never exceeds 1
        float[] w = {-3f, 1f, 0.5f, -0.5f};
        assertTrue(WeightBoundSearch.search(w, 8) <= 1f);
        // {1, -1} at 2 bits: uw = 1 puts both exactly on a level (MSE 0), so candidate 0 wins
        assertEquals(1f, WeightBoundSearch.search(new float[] {1f, -1f}, 2));
        // all non-positive: falls back to max|W|
        assertTrue(WeightBoundSearch.search(new float[] {-2f, -1f}, 4) <= 2f);
        assertThrows(IllegalArgumentException.class, () -> WeightBoundSearch.search(new float[] {0f, 0f}, 4));
        assertThrows(IllegalArgumentException.class, () -> WeightBoundSearch.search(new float[] {1f}, 1));
    }
}
