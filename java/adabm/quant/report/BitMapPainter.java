package adabm.quant.report;

import adabm.ShapeException;
import adabm.quant.PatchTiles;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Paints a {@link TileBitMap} like the supplementary's Fig. S2: the LR image in dimmed grey (nearest-upscaled by
 * {@code zoom} so small images stay readable), each tile's owned region tinted with the colour of its image offset
 * (blue -1 / yellow 0 / red +1, i.e. fewer / base / more bits), tile borders, the offset sign in each tile, and a
 * legend strip below: one swatch per offset with its FAB, the mean tile FAB (patch mode) and the whole-image offset
 * and FAB. Text uses {@link BitmapFont}, never AWT fonts.
 */
public final class BitMapPainter {
    public static final int LOWER = 0x3B82F6, BASE = 0xFACC15, HIGHER = 0xEF4444;
    static final int BACKGROUND = 0x1E1E1E, INK = 0xF0F0F0, BORDER = 0x101010;
    /** Tint strength: how much of the offset colour is mixed into the dimmed grey. */
    static final double TINT = 0.45;
    /** Auto zoom aims for the longer image side to be at least this many pixels. */
    static final int TARGET_SIDE = 480, MAX_ZOOM = 8;

    /** A rectangle on the painted canvas. */
    public record Box(int x, int y, int w, int h) {
        public int centreX() { return x + w / 2; }
        public int centreY() { return y + h / 2; }
    }

    /** The painted canvas, the zoom used, where the image sits, and each offset's legend swatch. */
    public record Painting(Canvas canvas, int zoom, Box imageArea, Map<Integer, Box> swatches) { }

    private BitMapPainter() { }

    /** The tint of an image offset. */
    public static int colour(int offset) { return offset < 0 ? LOWER : offset > 0 ? HIGHER : BASE; }

    /** Nearest-neighbour zoom that makes the longer side at least {@value #TARGET_SIDE} px (1..{@value #MAX_ZOOM}). */
    public static int autoZoom(int height, int width) {
        int side = Math.max(height, width);
        return Math.max(1, Math.min(MAX_ZOOM, (TARGET_SIDE + side - 1) / side));
    }

    /**
     * Paints the map over its image. {@code title} is a first legend line (e.g. the spec), may be empty; it must use
     * only {@link BitmapFont} characters.
     */
    public static Painting paint(Tensor image, TileBitMap map, int zoom, String title) {
        if (image.n != 1 || image.c != 3 || image.h != map.height() || image.w != map.width())
            throw new ShapeException("bit map is for a " + map.width() + "x" + map.height() + " image, got " + image.shape());
        if (zoom < 1 || zoom > MAX_ZOOM) throw new IllegalArgumentException("zoom must be in 1.." + MAX_ZOOM + ", got " + zoom);
        int s = 2, pad = 4 * s, lineH = BitmapFont.height(s), gap = 3 * s, sw = lineH;
        int imgW = image.w * zoom, imgH = image.h * zoom;

        List<String> lines = new ArrayList<>();
        if (!title.isEmpty()) lines.add(title);
        List<String> swatchLabels = new ArrayList<>();
        int swatchLineW = 0;
        for (Map.Entry<Integer, Double> e : map.fabByOffset().entrySet()) {
            String label = String.format(Locale.ROOT, "%s %.2f BITS", TileBitMap.signed(e.getKey()), e.getValue());
            swatchLabels.add(label);
            swatchLineW += (swatchLineW == 0 ? 0 : 4 * gap) + sw + gap + BitmapFont.width(label, s);
        }
        String meanLine = String.format(Locale.ROOT, "MEAN TILE FAB %.2f (%d TILES %dPX)", map.meanTileFab(), map.tiles().size(), map.tileSize());
        String wholeLine = String.format(Locale.ROOT, "WHOLE IMAGE %s FAB %.2f", TileBitMap.signed(map.imageOffset()), map.imageFab());
        int textW = swatchLineW;
        for (String l : List.of(meanLine, wholeLine)) textW = Math.max(textW, BitmapFont.width(l, s));
        for (String l : lines) textW = Math.max(textW, BitmapFont.width(l, s));
        int legendLines = lines.size() + 3;
        int width = Math.max(imgW, textW + 2 * pad);
        int height = imgH + pad + legendLines * (lineH + gap) - gap + pad;
        Canvas cv = new Canvas(width, height, BACKGROUND);

        paintImage(cv, image, map, zoom);
        paintBorders(cv, map, zoom);
        paintSigns(cv, map, zoom, Math.max(s, Math.min(4, zoom)));   // signs grow with the zoom

        int y = imgH + pad;
        for (String l : lines) { cv.text(pad, y, l, s, INK); y += lineH + gap; }
        Map<Integer, Box> swatches = new LinkedHashMap<>();
        int x = pad, i = 0;
        for (int offset : map.fabByOffset().keySet()) {
            Box b = new Box(x, y, sw, sw);
            cv.fill(b.x(), b.y(), b.w(), b.h(), colour(offset));
            swatches.put(offset, b);
            String label = swatchLabels.get(i++);
            cv.text(x + sw + gap, y, label, s, INK);
            x += sw + gap + BitmapFont.width(label, s) + 4 * gap;
        }
        y += lineH + gap;
        cv.text(pad, y, meanLine, s, INK);
        y += lineH + gap;
        cv.text(pad, y, wholeLine, s, INK);
        return new Painting(cv, zoom, new Box(0, 0, imgW, imgH), swatches);
    }

    /** Dimmed grey of the image (kept dark enough for the tint to read), mixed with each owning tile's colour. */
    private static void paintImage(Canvas cv, Tensor image, TileBitMap map, int zoom) {
        for (TileBitMap.TileBits tb : map.tiles()) {
            PatchTiles.Tile t = tb.tile();
            int c = colour(tb.offset());
            double cr = (c >> 16) & 0xff, cg = (c >> 8) & 0xff, cb = c & 0xff;
            for (int y = t.y(); y < t.y() + t.ownHeight(); y++)
                for (int x = t.x(); x < t.x() + t.ownWidth(); x++) {
                    double grey = 0.299 * image.get(0, 0, y, x) + 0.587 * image.get(0, 1, y, x) + 0.114 * image.get(0, 2, y, x);
                    double dim = 30 + 0.7 * Math.max(0, Math.min(255, grey));
                    int rgb = mix(dim, cr) << 16 | mix(dim, cg) << 8 | mix(dim, cb);
                    cv.fill(x * zoom, y * zoom, zoom, zoom, rgb);
                }
        }
    }

    private static int mix(double grey, double tint) {
        return (int) Math.round((1 - TINT) * grey + TINT * tint);
    }

    /** Each owned region's top and left edge, plus the image's outer edge: together every border once. */
    private static void paintBorders(Canvas cv, TileBitMap map, int zoom) {
        int line = zoom >= 3 ? 2 : 1;
        for (TileBitMap.TileBits tb : map.tiles()) {
            PatchTiles.Tile t = tb.tile();
            int x0 = t.x() * zoom, y0 = t.y() * zoom, w = t.ownWidth() * zoom, h = t.ownHeight() * zoom;
            cv.fill(x0, y0, w, line, BORDER);
            cv.fill(x0, y0, line, h, BORDER);
        }
        int imgW = map.width() * zoom, imgH = map.height() * zoom;
        cv.fill(0, imgH - line, imgW, line, BORDER);
        cv.fill(imgW - line, 0, line, imgH, BORDER);
    }

    /** The offset sign centred in each owned region large enough to hold it. */
    private static void paintSigns(Canvas cv, TileBitMap map, int zoom, int s) {
        int gw = BitmapFont.width("+", s), gh = BitmapFont.height(s);
        for (TileBitMap.TileBits tb : map.tiles()) {
            PatchTiles.Tile t = tb.tile();
            int w = t.ownWidth() * zoom, h = t.ownHeight() * zoom;
            if (w < gw + 6 || h < gh + 6) continue;
            int x = t.x() * zoom + (w - gw) / 2, y = t.y() * zoom + (h - gh) / 2;
            cv.haloText(x, y, TileBitMap.sign(tb.offset()), s, INK, BORDER);
        }
    }
}
