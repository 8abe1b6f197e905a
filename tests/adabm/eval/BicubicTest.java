package adabm.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import adabm.TestData;
import adabm.io.image.Images;
import adabm.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** MATLAB-exact bicubic: the shipped LR files (made by MATLAB imresize or a bit-exact port) are the oracle. */
class BicubicTest {
    static final String[] SET5 = {"baby", "bird", "butterfly", "head", "woman"};
    static final String[] SET14 = {"baboon", "barbara", "bridge", "coastguard", "comic", "face", "flowers", "foreman",
            "lenna", "man", "monarch", "pepper", "ppt3", "zebra"};

    static Stream<Arguments> standardSets() {
        List<Arguments> all = new ArrayList<>();
        for (int s = 2; s <= 4; s++) {
            for (String n : SET5) all.add(Arguments.of("Set5", n, s));
            for (String n : SET14) all.add(Arguments.of("Set14", n, s));
        }
        return all.stream();   // 57 cases
    }

    static Stream<Arguments> generatedSets() {
        return Stream.of(Arguments.of("BSD100", "img_001", 2), Arguments.of("BSD100", "img_002", 3),
                Arguments.of("BSD100", "img_100", 4), Arguments.of("Kodak24", "kodim01", 3),
                Arguments.of("Kodak24", "kodim24", 4), Arguments.of("Kodak24", "kodim07", 2));
    }

    @ParameterizedTest(name = "{0} {1} x{2}")
    @MethodSource({"standardSets", "generatedSets"})
    void downscaleReproducesShippedLrExactly(String set, String name, int s) {
        Path dir = TestData.dataset(set);
        Tensor hr = Images.read(dir.resolve("HR/" + name + ".png"));
        Tensor lr = Images.read(dir.resolve("LR_bicubic/X" + s + "/" + name + "x" + s + ".png"));
        Tensor ours = Bicubic.downscale(hr, s);
        assertEquals(lr.shape(), ours.shape());
        int diff = 0;
        for (int i = 0; i < lr.size(); i++) if (lr.data[i] != ours.data[i]) diff++;
        if (diff > 0) fail(set + "/" + name + " x" + s + ": " + diff + " of " + lr.size() + " samples differ, max |d| "
                + lr.maxAbsDiff(ours));
    }

    @Test
    void cubicKernelMatchesHandValues() {
        // Keys a = -0.5: h(0)=1, h(±1)=0, h(0.5)=0.5625, h(1.5)=-0.0625, zero beyond 2
        assertEquals(1.0, ResizeWeights.cubic(0), 0);
        assertEquals(0.0, ResizeWeights.cubic(1), 0);
        assertEquals(0.5625, ResizeWeights.cubic(0.5), 0);
        assertEquals(0.5625, ResizeWeights.cubic(-0.5), 0);
        assertEquals(-0.0625, ResizeWeights.cubic(1.5), 0);
        assertEquals(0.0, ResizeWeights.cubic(2), 0);
        assertEquals(0.0, ResizeWeights.cubic(2.5), 0);
    }

    @Test
    void mirrorFollowsMatlabAux() {
        // aux = [1 2 3 3 2 1] for n = 3 (1-based), period 6
        int[] expect = {2, 1, 0, 0, 1, 2, 2, 1, 0, 0};    // 1-based -2..7 → aux(mod(i-1,6)+1) − 1
        for (int i = -2; i <= 7; i++) assertEquals(expect[i + 2], ResizeWeights.mirror(i, 3), "index " + i);
    }

    @Test
    void upscaleByTwoMatchesHandComputedValues() {
        // x2, row 10 50 90 130. Kernel values: h(0.25)=0.8671875, h(0.75)=0.2265625, h(1.25)=-0.0703125,
        // h(1.75)=-0.0234375 (they sum to 1). Output x (1-based) samples u = x/2 + 0.25.
        Tensor up = Bicubic.upscale(new Tensor(1, 1, 1, 4, new float[]{10, 50, 90, 130}), 2);
        assertEquals(8, up.w);
        // x=1, u=0.75: taps 1-based -1,0,1,2 mirror to 2,1,1,2 → -0.0234375·50 + 0.2265625·10 + 0.8671875·10
        //   − 0.0703125·50 = 6.25 (the last pass stays unrounded; these values are exact in binary)
        assertEquals(6.25, up.data[0], 0);
        // x=3, u=1.75: taps 0..3 → 10,10,50,90: −0.234375 + 2.265625 + 43.359375 − 6.328125 = 39.0625
        assertEquals(39.0625, up.data[2], 0);
        // x=4, u=2.25: interior, taps 1..4 → 10,50,90,130: the cubic reproduces the ramp, 60 exactly
        assertEquals(60, up.data[3], 0);
    }

    @Test
    void upscaleRoundsTheFirstPassHalfUp() {
        // Column 10,1,2,5 (height first). Output row 4 (1-based), u = 2.25, taps 1..4 with weights
        // (-9, 111, 29, -3)/128: (-90 + 111 + 58 - 15)/128 = 0.5 exactly → uint8 half up = 1 (half to even: 0).
        // The width pass of a 1-pixel-wide image reproduces it (all taps hit that pixel, weights sum to 1).
        Tensor up = Bicubic.upscale(new Tensor(1, 1, 4, 1, new float[]{10, 1, 2, 5}), 2);
        assertEquals(1, up.data[3 * 2], 0);
        assertEquals(1, up.data[3 * 2 + 1], 0);
    }

    @Test
    void constantImageStaysConstant() {
        Tensor t = new Tensor(1, 3, 7, 9);
        java.util.Arrays.fill(t.data, 77);
        for (int s = 2; s <= 4; s++) {
            for (float v : Bicubic.upscale(t, s).data) assertEquals(77, v, 0);
            for (float v : Bicubic.downscale(t, s).data) assertEquals(77, v, 0);
        }
    }
}
