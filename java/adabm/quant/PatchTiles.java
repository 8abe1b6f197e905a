package adabm.quant;

import adabm.ShapeException;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The LR tile grid of patch mode (ADABM.md §7), shared by patch-mode evaluation ({@link PatchedForward}) and the
 * per-tile bit map ({@code adabm.quant.report.TileBitMap}): square tiles of {@code size}, step {@code size}, and the last row/column
 * tile "runs to the border". We read that as: the last tile keeps the full size and is placed to <em>end</em> at the
 * border, overlapping its neighbour, so that every tile of an image at least one tile large has the calibration patch
 * size and its complexity is on the same scale as the image thresholds τl/τu (a narrow remainder sliver would have
 * a meaningless, near-zero Sobel complexity). A side shorter than one tile gets one tile of that side's length.
 *
 * <p>Overlaps are resolved by ownership, as patch-mode evaluation stitches: tiles are pasted in order, so where a tile
 * overlaps the next one the later tile wins. Each tile therefore owns the part of its rectangle from its top-left
 * corner up to where the next row's / column's tile starts ({@code ownHeight x ownWidth}; the last row / column owns
 * its whole tile). Owned regions partition the image exactly.
 */
public final class PatchTiles {
    private PatchTiles() { }

    /**
     * One tile: grid position, rectangle {@code [y, y+h) x [x, x+w)} in the image, and the size of the region
     * {@code [y, y+ownHeight) x [x, x+ownWidth)} it owns when tiles are stitched ({@code 1 <= own <= h, w}).
     */
    public record Tile(int row, int col, int y, int x, int h, int w, int ownHeight, int ownWidth) { }

    /** Every tile of an image, row by row. */
    public static List<Tile> of(int height, int width, int size) {
        int[] ys = starts(height, size), xs = starts(width, size);
        int th = Math.min(size, height), tw = Math.min(size, width);
        List<Tile> out = new ArrayList<>(ys.length * xs.length);
        for (int r = 0; r < ys.length; r++)
            for (int c = 0; c < xs.length; c++)
                out.add(new Tile(r, c, ys[r], xs[c], th, tw,
                        r + 1 < ys.length ? ys[r + 1] - ys[r] : th, c + 1 < xs.length ? xs[c + 1] - xs[c] : tw));
        return out;
    }

    /** Tile start offsets along one side: 0, size, 2 size, ..., and a last one at length - size. */
    public static int[] starts(int length, int size) {
        if (size < 1) throw new IllegalArgumentException("tile size must be positive, got " + size);
        if (length < 1) throw new ShapeException("cannot tile an empty image side (length " + length + ")");
        if (length <= size) return new int[] {0};
        int n = (length + size - 1) / size;
        int[] s = new int[n];
        for (int i = 0; i < n - 1; i++) s[i] = i * size;
        s[n - 1] = length - size;
        return s;
    }

    /** The tile's pixels of sample 0 of an [1,C,H,W] image, as a new [1,C,h,w] tensor. */
    public static Tensor crop(Tensor image, Tile t) {
        if (image.n != 1) throw new ShapeException("tiles are cut from one image, got a batch of " + image.n);
        if (t.y() < 0 || t.x() < 0 || t.y() + t.h() > image.h || t.x() + t.w() > image.w)
            throw new ShapeException("tile " + t + " lies outside the " + image.w + "x" + image.h + " image");
        Tensor out = new Tensor(1, image.c, t.h(), t.w());
        for (int c = 0; c < image.c; c++)
            for (int y = 0; y < t.h(); y++)
                System.arraycopy(image.data, image.index(0, c, t.y() + y, t.x()), out.data, out.index(0, c, y, 0), t.w());
        return out;
    }
}
