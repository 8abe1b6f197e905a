package adabm.quant.report;

import static org.junit.jupiter.api.Assertions.*;

import adabm.ShapeException;
import adabm.TestGraphs;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Patch-mode tile geometry (ADABM.md §7): exact rectangles, ownership partition, crops. */
class TilesTest {
    static Tiles.Tile t(int row, int col, int y, int x, int h, int w, int ownTop, int ownLeft) {
        return new Tiles.Tile(row, col, y, x, h, w, ownTop, ownLeft);
    }

    @Test void smallerThanOneTileIsOneTileOfTheWholeImage() {
        assertEquals(List.of(t(0, 0, 0, 0, 50, 70, 0, 0)), Tiles.of(50, 70, 96));
        assertEquals(List.of(t(0, 0, 0, 0, 96, 96, 0, 0)), Tiles.of(96, 96, 96));
    }

    @Test void exactMultiplesDoNotOverlap() {
        assertEquals(List.of(t(0, 0, 0, 0, 96, 96, 0, 0), t(0, 1, 0, 96, 96, 96, 0, 96),
                t(1, 0, 96, 0, 96, 96, 96, 0), t(1, 1, 96, 96, 96, 96, 96, 96)), Tiles.of(192, 192, 96));
    }

    @Test void lastTileEndsAtTheBorderAndOwnsOnlyTheRemainder() {
        // 200 = 96 + 96 + 8: the third row starts at 104 and owns rows 192..199; width 100 < 2 tiles: 0 and 4
        assertArrayEquals(new int[] {0, 96, 104}, Tiles.starts(200, 96));
        assertArrayEquals(new int[] {0, 4}, Tiles.starts(100, 96));
        assertEquals(List.of(
                t(0, 0, 0, 0, 96, 96, 0, 0), t(0, 1, 0, 4, 96, 96, 0, 96),
                t(1, 0, 96, 0, 96, 96, 96, 0), t(1, 1, 96, 4, 96, 96, 96, 96),
                t(2, 0, 104, 0, 96, 96, 192, 0), t(2, 1, 104, 4, 96, 96, 192, 96)), Tiles.of(200, 100, 96));
        Tiles.Tile last = Tiles.of(200, 100, 96).get(5);
        assertEquals(8, last.ownHeight());
        assertEquals(4, last.ownWidth());
        // mixed: one side smaller than a tile, the other with a remainder
        assertEquals(List.of(t(0, 0, 0, 0, 40, 96, 0, 0), t(0, 1, 0, 54, 40, 96, 0, 96)), Tiles.of(40, 150, 96));
    }

    @Test void ownedRegionsPartitionTheImageForRandomSizes() {
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int h = 1 + r.nextInt(250), w = 1 + r.nextInt(250), size = 1 + r.nextInt(100);
            int[] owners = new int[h * w];
            for (Tiles.Tile t : Tiles.of(h, w, size)) {
                assertTrue(t.y() >= 0 && t.x() >= 0 && t.y() + t.h() <= h && t.x() + t.w() <= w, t + " in " + h + "x" + w);
                assertEquals(Math.min(size, h), t.h());
                assertEquals(Math.min(size, w), t.w());
                assertTrue(t.ownTop() >= t.y() && t.ownLeft() >= t.x() && t.ownHeight() >= 1 && t.ownWidth() >= 1, t.toString());
                for (int y = t.ownTop(); y < t.y() + t.h(); y++)
                    for (int x = t.ownLeft(); x < t.x() + t.w(); x++) owners[y * w + x]++;
            }
            for (int i = 0; i < owners.length; i++)
                if (owners[i] != 1) fail("pixel " + i + " of " + h + "x" + w + " tile " + size + " owned " + owners[i] + " times");
            int rows = (h + size - 1) / size, cols = (w + size - 1) / size;
            assertEquals(rows * cols, Tiles.of(h, w, size).size());
        }
    }

    @Test void cropCopiesTheTilePixels() {
        Tensor img = TestGraphs.image(30, 41, 3);
        Tiles.Tile t = Tiles.of(30, 41, 16).get(5);   // row 1, col 2: y 14, x 25 (last col ends at 41)
        assertEquals(14, t.y());
        assertEquals(25, t.x());
        Tensor c = Tiles.crop(img, t);
        assertEquals(16, c.h);
        assertEquals(16, c.w);
        for (int ch = 0; ch < 3; ch++)
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++) assertEquals(img.get(0, ch, 14 + y, 25 + x), c.get(0, ch, y, x));
    }

    @Test void badSizesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Tiles.of(10, 10, 0));
        assertThrows(ShapeException.class, () -> Tiles.of(0, 10, 4));
        assertThrows(ShapeException.class, () -> Tiles.crop(new Tensor(1, 3, 8, 8), t(0, 0, 4, 4, 8, 8, 4, 4)));
    }
}
