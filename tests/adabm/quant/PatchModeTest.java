package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestGraphs;
import adabm.graph.Graph;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Patch-mode evaluation (ADABM.md §7): the stitched output and FAB against tiles cut, run and pasted by hand at
 * literal coordinates. The tile geometry itself is tested in {@link PatchTilesTest}.
 */
class PatchModeTest {
    static QuantModel model() {
        Graph g = TestGraphs.tinyEdsr(4, 2, 2, 41);
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
        List<Tensor> patches = new ArrayList<>();
        for (int i = 0; i < 4; i++) patches.add(TestGraphs.image(8, 8, 60 + i));
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) { Calibrator.calibrate(r, patches, CalibrationMethod.ADABM); }
        return m;
    }

    /** A 13x20 image: smooth on the left, noisy on the right, so tiles differ in complexity. */
    static Tensor image() {
        Tensor t = new Tensor(1, 3, 13, 20);
        java.util.Random r = new java.util.Random(3);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 13; y++)
                for (int x = 0; x < 20; x++)
                    t.data[t.index(0, c, y, x)] = x < 9 ? 100 + 2 * x + y : r.nextInt(256);
        return t;
    }

    static Tensor cut(Tensor img, int y0, int x0, int h, int w) {
        Tensor t = new Tensor(1, img.c, h, w);
        for (int c = 0; c < img.c; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) t.data[t.index(0, c, y, x)] = img.get(0, c, y0 + y, x0 + x);
        return t;
    }

    @Test void patchModeEqualsHandStitchedTilesAndFabIsTheTileMean() {
        QuantModel m = model();
        Tensor lr = image();
        // tiles of 8 on 13x20: rows start 0, 5 (anchored at the border); columns 0, 8, 12
        int[][] tiles = {{0, 0}, {0, 8}, {0, 12}, {5, 0}, {5, 8}, {5, 12}};
        List<Double> complexities = new ArrayList<>();
        for (int[] t : tiles) complexities.add(ImageComplexity.of(cut(lr, t[0], t[1], 8, 8), 0));
        double lo = complexities.stream().mapToDouble(d -> d).min().orElseThrow(), hi = complexities.stream().mapToDouble(d -> d).max().orElseThrow();
        m.imageMap().enable(lo + 0.2 * (hi - lo), hi - 0.2 * (hi - lo));   // the smoothest tiles get -1, the noisiest +1

        Tensor expected = new Tensor(1, 3, 26, 40);
        double fabSum = 0;
        List<Integer> offsets = new ArrayList<>();
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) {
            for (int[] t : tiles) {
                FakeQuantRunner.Forward f = r.run(cut(lr, t[0], t[1], 8, 8), ForwardHooks.NONE);
                for (int c = 0; c < 3; c++)
                    for (int y = 0; y < 16; y++)
                        for (int x = 0; x < 16; x++)
                            expected.data[expected.index(0, c, 2 * t[0] + y, 2 * t[1] + x)] = f.output().get(0, c, y, x);
                fabSum += f.fab()[0];
                offsets.add(f.imageOffsets()[0]);
            }
            PatchedForward.Result p = PatchedForward.run(r, lr, 8, true);
            assertArrayEquals(expected.data, p.output().data);
            assertEquals(offsets, p.tileOffsets());
            assertTrue(offsets.contains(-1) && offsets.contains(1), "tiles get their own offsets: " + offsets);
            assertEquals(fabSum / tiles.length, p.fab(), 1e-12);
            assertEquals(Fab.of(m, 0) + 1, Fab.of(m, 1), 1e-12, "every counted conv is adaptive here: an offset step is one bit");

            // differs from the whole-image run (tile borders are zero-padded), and an image within one tile is a whole-image run
            assertFalse(java.util.Arrays.equals(r.run(lr, ForwardHooks.NONE).output().data, p.output().data));
            Tensor small = cut(lr, 0, 0, 8, 8);
            assertArrayEquals(r.run(small, ForwardHooks.NONE).output().data, PatchedForward.run(r, small, 96, true).output().data);
        }
    }

    @Test void fabFromTheModelStateEqualsTheRunnersFab() {
        QuantModel m = model();
        m.imageMap().enable(1, 2);
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) {
            for (int off = -1; off <= 1; off++) {
                FakeQuantRunner.Forward f = r.run(TestGraphs.image(8, 8, 1), new int[] {off}, ForwardHooks.NONE);
                assertEquals(f.fab()[0], Fab.of(m, off), 1e-12, "offset " + off);
            }
            List<Tensor> images = List.of(TestGraphs.image(8, 8, 2), image());
            double expected = (r.run(images.get(0), ForwardHooks.NONE).fab()[0] + r.run(images.get(1), ForwardHooks.NONE).fab()[0]) / 2;
            assertEquals(expected, Fab.meanOver(m, images), 1e-12);
        }
    }
}
