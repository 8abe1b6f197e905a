package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;

import adabm.ShapeException;
import adabm.TestGraphs;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Patch-mode tile geometry (ADABM.md §7), hand-computed: exact rectangles, ownership partition, crops. */
class PatchTilesTest {
    static PatchTiles.Tile t(int row, int col, int y, int x, int h, int w, int ownHeight, int ownWidth) {
        return new PatchTiles.Tile(row, col, y, x, h, w, ownHeight, ownWidth);
    }

    @Test void smallerThanOneTileIsOneTileOfTheWholeImage() {
        assertEquals(List.of(t(0, 0, 0, 0, 50, 70, 50, 70)), PatchTiles.of(50, 70, 96));
        assertEquals(List.of(t(0, 0, 0, 0, 96, 96, 96, 96)), PatchTiles.of(96, 96, 96));
    }

    @Test void startsStepBySizeAndTheLastIsAnchoredAtTheBorder() {
        assertArrayEquals(new int[] {0}, PatchTiles.starts(96, 96));
        assertArrayEquals(new int[] {0, 96}, PatchTiles.starts(192, 96));
        assertArrayEquals(new int[] {0, 96, 128}, PatchTiles.starts(224, 96));
        assertArrayEquals(new int[] {0}, PatchTiles.starts(50, 96), "smaller than a tile: one tile of the whole length");
        assertEquals(List.of(t(0, 0, 0, 0, 96, 50, 34, 50), t(1, 0, 34, 0, 96, 50, 96, 50)), PatchTiles.of(130, 50, 96));
        // Set5 "baby" x4 (128x128 LR): 4 tiles of 96, the second row and column overlapping by 64
        assertEquals(4, PatchTiles.of(128, 128, 96).size());
    }

    @Test void exactMultiplesDoNotOverlap() {
        assertEquals(List.of(t(0, 0, 0, 0, 96, 96, 96, 96), t(0, 1, 0, 96, 96, 96, 96, 96),
                t(1, 0, 96, 0, 96, 96, 96, 96), t(1, 1, 96, 96, 96, 96, 96, 96)), PatchTiles.of(192, 192, 96));
    }

    @Test void lastTileEndsAtTheBorderAndOwnsItWhole() {
        // 200 = 96 + 96 + 8: the third row starts at 104 and owns all of it (the later tile wins), so the second row
        // keeps rows 96..103 only; width 100 < 2 tiles: columns 0 (owning 0..3) and 4
        assertArrayEquals(new int[] {0, 96, 104}, PatchTiles.starts(200, 96));
        assertArrayEquals(new int[] {0, 4}, PatchTiles.starts(100, 96));
        assertEquals(List.of(
                t(0, 0, 0, 0, 96, 96, 96, 4), t(0, 1, 0, 4, 96, 96, 96, 96),
                t(1, 0, 96, 0, 96, 96, 8, 4), t(1, 1, 96, 4, 96, 96, 8, 96),
                t(2, 0, 104, 0, 96, 96, 96, 4), t(2, 1, 104, 4, 96, 96, 96, 96)), PatchTiles.of(200, 100, 96));
        PatchTiles.Tile beforeLast = PatchTiles.of(200, 100, 96).get(2);
        assertEquals(8, beforeLast.ownHeight());
        assertEquals(4, PatchTiles.of(200, 100, 96).get(0).ownWidth());
        // mixed: one side smaller than a tile, the other with a remainder
        assertEquals(List.of(t(0, 0, 0, 0, 40, 96, 40, 54), t(0, 1, 0, 54, 40, 96, 40, 96)), PatchTiles.of(40, 150, 96));
    }

    @Test void ownedRegionsPartitionTheImageForRandomSizes() {
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int h = 1 + r.nextInt(250), w = 1 + r.nextInt(250), size = 1 + r.nextInt(100);
            int[] owners = new int[h * w], owner = new int[h * w], lastCovering = new int[h * w];
            List<PatchTiles.Tile> tiles = PatchTiles.of(h, w, size);
            for (int i = 0; i < tiles.size(); i++) {
                PatchTiles.Tile t = tiles.get(i);
                for (int y = t.y(); y < t.y() + t.h(); y++)
                    for (int x = t.x(); x < t.x() + t.w(); x++) lastCovering[y * w + x] = i;
                assertTrue(t.y() >= 0 && t.x() >= 0 && t.y() + t.h() <= h && t.x() + t.w() <= w, t + " in " + h + "x" + w);
                assertEquals(Math.min(size, h), t.h());
                assertEquals(Math.min(size, w), t.w());
                assertTrue(t.ownHeight() >= 1 && t.ownHeight() <= t.h() && t.ownWidth() >= 1 && t.ownWidth() <= t.w(), t.toString());
                for (int y = t.y(); y < t.y() + t.ownHeight(); y++)
                    for (int x = t.x(); x < t.x() + t.ownWidth(); x++) {
                        owners[y * w + x]++;
                        owner[y * w + x] = i;
                    }
            }
            for (int i = 0; i < owners.length; i++)
                if (owners[i] != 1) fail("pixel " + i + " of " + h + "x" + w + " tile " + size + " owned " + owners[i] + " times");
            // stitching pastes tiles in order: each pixel must be owned by the last tile that covers it
            assertArrayEquals(lastCovering, owner, h + "x" + w + " tile " + size);
            int rows = (h + size - 1) / size, cols = (w + size - 1) / size;
            assertEquals(rows * cols, PatchTiles.of(h, w, size).size());
        }
    }

    @Test void cropCopiesTheTilePixels() {
        Tensor img = TestGraphs.image(30, 41, 3);
        PatchTiles.Tile t = PatchTiles.of(30, 41, 16).get(5);   // row 1, col 2: y 14, x 25 (last col ends at 41)
        assertEquals(14, t.y());
        assertEquals(25, t.x());
        Tensor c = PatchTiles.crop(img, t);
        assertEquals(16, c.h);
        assertEquals(16, c.w);
        for (int ch = 0; ch < 3; ch++)
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++) assertEquals(img.get(0, ch, 14 + y, 25 + x), c.get(0, ch, y, x));
    }

    @Test void badSizesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PatchTiles.of(10, 10, 0));
        assertThrows(ShapeException.class, () -> PatchTiles.of(0, 10, 4));
        assertThrows(ShapeException.class, () -> PatchTiles.crop(new Tensor(1, 3, 8, 8), t(0, 0, 4, 4, 8, 8, 8, 8)));
    }
}
