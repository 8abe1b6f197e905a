package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;

import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Hand-computed quantizer values (ADABM.md §2): grids, clamping, round-half-to-even ties, 0 not a weight level. */
class QuantizersTest {
    @Test
    void activationTwoBitsOnUnitGrid() {
        // l=-1, u=2, b=2: n=3, step 1, grid {-1, 0, 1, 2}
        assertEquals(0f, Quantizers.activation(0.4f, -1, 2, 2));
        assertEquals(1f, Quantizers.activation(0.6f, -1, 2, 2));
        assertEquals(2f, Quantizers.activation(5f, -1, 2, 2), "clamped above u");
        assertEquals(-1f, Quantizers.activation(-7f, -1, 2, 2), "clamped below l");
        assertEquals(2f, Quantizers.activation(2f, -1, 2, 2));
    }

    @Test
    void ties_roundHalfToEven() {
        // (0.5 - -1)/3*3 = 1.5 exactly -> code 2 (even), not 1
        assertEquals(1.5f, (0.5f - -1f) / 3f * 3, "precondition: exact tie");
        assertEquals(1f, Quantizers.activation(0.5f, -1, 2, 2));
        // (-0.5 - -1)/3*3 = 0.5 -> code 0 (even)
        assertEquals(0.5f, (-0.5f - -1f) / 3f * 3, "precondition: exact tie");
        assertEquals(-1f, Quantizers.activation(-0.5f, -1, 2, 2));
        // 4 bits on [0,16]: 8/16*15 = 7.5 -> code 8 -> 8*16/15
        assertEquals(8f * 16f / 15f, Quantizers.activation(8f, 0, 16, 4));
        // 8 bits on [0,255]: ties 0.5 -> 0 and 1.5 -> 2
        assertEquals(0.5f, 0.5f / 255f * 255, "precondition: exact tie");
        assertEquals(0f, Quantizers.activation(0.5f, 0, 255, 8));
        assertEquals(1.5f, 1.5f / 255f * 255, "precondition: exact tie");
        assertEquals(2f, Quantizers.activation(1.5f, 0, 255, 8));
        assertEquals(255f, Quantizers.activation(254.7f, 0, 255, 8));
    }

    @Test
    void activationHasTwoToTheBLevels() {
        for (int b = 2; b <= 8; b++) {
            TreeSet<Float> levels = new TreeSet<>();
            for (int i = -100; i <= 1100; i++) levels.add(Quantizers.activation(i / 1000f * 3 - 1, -1, 2, b));
            assertEquals(1 << b, levels.size(), "bits " + b);
            assertEquals(-1f, levels.first());
            assertEquals(2f, levels.last(), 1e-6f);
        }
    }

    @Test
    void weightTwoBits_zeroIsNotALevel() {
        // uw=1.5, bw=2: n=3, levels {-1.5, -0.5, 0.5, 1.5}
        assertEquals(1.5f, (0f + 1.5f) / (2 * 1.5f) * 3, "precondition: 0 sits on an exact tie");
        assertEquals(0.5f, Quantizers.weight(0f, 1.5f, 2), "0 rounds to the even code 2 -> +0.5");
        assertEquals(0.5f, Quantizers.weight(0.01f, 1.5f, 2));
        assertEquals(-0.5f, Quantizers.weight(-0.01f, 1.5f, 2));
        assertEquals(1.5f, Quantizers.weight(5f, 1.5f, 2));
        assertEquals(-1.5f, Quantizers.weight(-5f, 1.5f, 2));
        assertEquals(2.5f, (1f + 1.5f) / 3f * 3, "precondition: exact tie");
        assertEquals(0.5f, Quantizers.weight(1f, 1.5f, 2), "tie 2.5 -> code 2");
    }

    @Test
    void weightLevels_symmetricWithoutZero_bits2to8() {
        for (int b = 2; b <= 8; b++) {
            TreeSet<Float> levels = new TreeSet<>();
            for (int i = -2000; i <= 2000; i++) levels.add(Quantizers.weight(i / 1000f, 1f, b));
            assertEquals(1 << b, levels.size(), "bits " + b);
            assertFalse(levels.contains(0f) || levels.contains(-0f), "0 must not be a level at " + b + " bits");
            for (float v : levels) assertEquals(-v, levels.ceiling(-v - 1e-6f), 1e-6f, "symmetric at " + b + " bits");
        }
        // 8 bits: 0 -> 127.5 -> 128 -> odd code 2*128 - 255 = 1 -> one step 1/255, rounded once (-1 + 256/255 in
        // float32 would cancel and miss it by an ulp of 1)
        assertEquals(1f / 255f, Quantizers.weight(0f, 1f, 8));
        assertEquals(-Quantizers.weight(0.3f, 1f, 4), Quantizers.weight(-0.3f, 1f, 4), "exactly symmetric");
    }

    @Test
    void arrayVersionsMatchScalar() {
        float[] x = {-3, -0.5f, 0, 0.3f, 0.5f, 1.7f, 9};
        float[] out = new float[x.length];
        Quantizers.activation(x, 1, 5, -1, 2, 3, out);
        assertEquals(0f, out[0], "outside the range untouched");
        for (int i = 1; i < 6; i++) assertEquals(Quantizers.activation(x[i], -1, 2, 3), out[i]);
        float[] wq = Quantizers.weights(x, 1.2f, 3);
        for (int i = 0; i < x.length; i++) assertEquals(Quantizers.weight(x[i], 1.2f, 3), wq[i]);
    }

    @Test
    void badBitsAndBoundsAreClearErrors() {
        for (int b : new int[] {0, 1, 9, 32}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantizers.activation(0, 0, 1, b));
            assertTrue(e.getMessage().contains(b + " bits"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Quantizers.weight(0, 1, b));
        }
        assertThrows(IllegalArgumentException.class, () -> Quantizers.activation(0, 1, 1, 4));
        assertThrows(IllegalArgumentException.class, () -> Quantizers.activation(0, 2, 1, 4));
        assertThrows(IllegalArgumentException.class, () -> Quantizers.weight(0, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> Quantizers.weight(0, Float.NaN, 4));
        assertThrows(IllegalArgumentException.class, () -> new QuantSpec(4, 9, QuantMode.FQ));
    }
}
