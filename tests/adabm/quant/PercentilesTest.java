package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Linear-interpolation percentiles (numpy's default), and the selection version against a full sort. */
class PercentilesTest {
    @Test
    void handValues() {
        double[] v = {5, 1, 4, 2, 3};   // sorted 1..5, position p/100*4
        assertEquals(1.0, Percentiles.of(v, 0));
        assertEquals(5.0, Percentiles.of(v, 100));
        assertEquals(3.0, Percentiles.of(v, 50));
        assertEquals(1.4, Percentiles.of(v, 10), 1e-12);   // pos 0.4
        assertEquals(4.6, Percentiles.of(v, 90), 1e-12);   // pos 3.6
        assertEquals(2.2, Percentiles.of(v, 30), 1e-12);   // pos 1.2
        assertEquals(7.0, Percentiles.of(new double[] {7}, 10));
        assertArrayEquals(new double[] {5, 1, 4, 2, 3}, v, "input untouched");
    }

    @Test
    void selectionAgreesWithSort_manyTies() {
        Random r = new Random(3);
        for (int t = 0; t < 50; t++) {
            int n = 1 + r.nextInt(3000);
            float[] x = new float[n + 4];
            for (int i = 0; i < x.length; i++) x[i] = r.nextInt(3) == 0 ? 0f : (float) r.nextGaussian();   // ReLU-like ties
            double[] d = new double[n];
            for (int i = 0; i < n; i++) d[i] = x[i + 2];
            for (double p : new double[] {0, 1, 10, 30, 50, 70, 90, 99, 100}) {
                double expected = Percentiles.of(d, p);
                assertEquals(expected, Percentiles.of(x, 2, n, p), 1e-6 * Math.max(1, Math.abs(expected)), "n=" + n + " p=" + p);
            }
        }
        float[] x = {3, 1, 2};
        Percentiles.of(x, 0, 3, 50);
        assertArrayEquals(new float[] {3, 1, 2}, x);
    }

    @Test
    void badArguments() {
        assertThrows(IllegalArgumentException.class, () -> Percentiles.of(new double[0], 10));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.of(new double[] {1}, 101));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.of(new double[] {1}, Double.NaN));
        assertEquals(2.0, Percentiles.of(new float[] {2, 2, 2}, 0, 3, 37));
        assertEquals(1.5, Percentiles.of(new double[] {1, 2}, 50));
        assertEquals(1.5, Percentiles.of(new float[] {2, 1}, 0, 2, 50));
        assertTrue(Arrays.equals(new float[] {2, 1}, new float[] {2, 1}));
    }
}
