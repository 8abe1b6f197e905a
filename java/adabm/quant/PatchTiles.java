package adabm.quant;

import java.util.ArrayList;
import java.util.List;

/**
 * The LR tiles of patch-mode evaluation (ADABM.md §7): size x size tiles with step size, row by row. "The last
 * row/column tile runs to the border" is read as: the last tile of a row or column is anchored at the border
 * (start = max(0, length - size)), so every tile is size x size whenever the image is at least that large, and the
 * last one overlaps its neighbour; an image smaller than size in a dimension gets one tile of its full length there.
 */
public final class PatchTiles {
    /** A tile in LR pixels: top-left corner (y, x), height and width. */
    public record Rect(int y, int x, int h, int w) { }

    private PatchTiles() { }

    public static List<Rect> of(int height, int width, int size) {
        if (size < 1) throw new IllegalArgumentException("patch size must be positive, got " + size);
        if (height < 1 || width < 1) throw new IllegalArgumentException("image is " + width + "x" + height);
        List<Rect> tiles = new ArrayList<>();
        for (int y : starts(height, size))
            for (int x : starts(width, size))
                tiles.add(new Rect(y, x, Math.min(size, height), Math.min(size, width)));
        return tiles;
    }

    /** 0, size, 2 size, ... while a whole tile fits, then the border-anchored last one if the border is not reached. */
    static List<Integer> starts(int length, int size) {
        List<Integer> s = new ArrayList<>();
        int p = 0;
        for (; p + size <= length; p += size) s.add(p);
        if (s.isEmpty() || p < length) s.add(Math.max(0, length - size));
        return s;
    }
}
