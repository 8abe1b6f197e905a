package adabm.quant.report;

import adabm.AdabmException;
import adabm.ShapeException;
import adabm.quant.ImageComplexity;
import adabm.quant.PatchTiles;
import adabm.quant.QuantModel;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Per-tile bit widths of one LR image under a quantized model (the supplementary's Fig. S2): for each patch-mode tile
 * ({@link PatchTiles}) its complexity, image offset and FAB, plus the whole image's. A tile's FAB depends only on the model
 * and the tile's complexity ({@link QuantModel#fabFor}), so no network forward is run.
 */
public record TileBitMap(int height, int width, int tileSize, int rows, int cols, List<TileBits> tiles,
                         double imageComplexity, int imageOffset, double imageFab, double meanTileFab,
                         SortedMap<Integer, Double> fabByOffset) {
    /** Tiles smaller than this have too few pixels for a meaningful Sobel complexity. */
    public static final int MIN_TILE = 8;

    public record TileBits(PatchTiles.Tile tile, double complexity, int offset, double fab) { }

    public TileBitMap {
        tiles = List.copyOf(tiles);
        fabByOffset = Collections.unmodifiableSortedMap(new TreeMap<>(fabByOffset));
    }

    /** Tiles a [1,3,H,W] image on the 0..255 scale and maps each tile to its offset and FAB. */
    public static TileBitMap compute(QuantModel model, Tensor image, int tileSize) {
        if (tileSize < MIN_TILE) throw new AdabmException("tile size must be at least " + MIN_TILE + " pixels, got " + tileSize);
        if (image.n != 1 || image.c != 3) throw new ShapeException("a bit map needs one RGB image [1,3,H,W], got " + image.shape());
        List<TileBits> out = new ArrayList<>();
        double sum = 0;
        int rows = 0, cols = 0;
        for (PatchTiles.Tile t : PatchTiles.of(image.h, image.w, tileSize)) {
            double g = ImageComplexity.of(PatchTiles.crop(image, t), 0);
            int offset = model.imageMap().offset(g);
            double fab = model.fabFor(offset);
            out.add(new TileBits(t, g, offset, fab));
            sum += fab;
            rows = Math.max(rows, t.row() + 1);
            cols = Math.max(cols, t.col() + 1);
        }
        double g = ImageComplexity.of(image, 0);
        int offset = model.imageMap().offset(g);
        return new TileBitMap(image.h, image.w, tileSize, rows, cols, out, g, offset, model.fabFor(offset), sum / out.size(),
                fabByOffset(model));
    }

    /**
     * FAB for each image offset the model can give an image: -1, 0, +1 when its image map is enabled (only 0
     * otherwise), leaving out an offset that would push some layer outside 2..8 bits (e.g. +1 at A8).
     */
    public static SortedMap<Integer, Double> fabByOffset(QuantModel model) {
        SortedMap<Integer, Double> m = new TreeMap<>();
        for (int o = -1; o <= 1; o++) {
            if (o != 0 && !model.imageMap().enabled()) continue;
            try {
                m.put(o, model.fabFor(o));
            } catch (IllegalArgumentException outOfRange) {
                // not reachable by a valid forward at these bits: no legend entry
            }
        }
        return m;
    }

    public TileBits at(int row, int col) {
        if (row < 0 || row >= rows || col < 0 || col >= cols)
            throw new IndexOutOfBoundsException("tile (" + row + ", " + col + ") outside " + rows + "x" + cols);
        return tiles.get(row * cols + col);
    }

    /** The per-tile offsets as text, one line per tile row: "-", "0" or "+" separated by spaces. */
    public String offsetGrid() {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (c > 0) sb.append(' ');
                sb.append(sign(at(r, c).offset()));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** "-", "0" or "+" for an image offset. */
    public static String sign(int offset) { return offset < 0 ? "-" : offset > 0 ? "+" : "0"; }

    /** "-1", "0" or "+1". */
    public static String signed(int offset) { return offset > 0 ? "+" + offset : Integer.toString(offset); }

    /** How many tiles got each offset, as "-1: n  0: n  +1: n". */
    public String offsetCounts() {
        int[] n = new int[3];
        for (TileBits t : tiles) n[Math.max(-1, Math.min(1, t.offset())) + 1]++;
        return String.format(Locale.ROOT, "-1: %d  0: %d  +1: %d", n[0], n[1], n[2]);
    }
}
