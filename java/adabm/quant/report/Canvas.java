package adabm.quant.report;

import adabm.io.image.Images;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;

/** An RGB raster (0xRRGGBB per pixel) with rectangles and built-in-font text; written as PNG via {@link Images}. */
public final class Canvas {
    public final int width, height;
    private final int[] rgb;

    public Canvas(int width, int height, int background) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("canvas must be at least 1x1, got " + width + "x" + height);
        if ((long) width * height > Images.DEFAULT_MAX_PIXELS)
            throw new IllegalArgumentException("canvas " + width + "x" + height + " is above the " + Images.DEFAULT_MAX_PIXELS + " pixel limit");
        this.width = width;
        this.height = height;
        this.rgb = new int[width * height];
        java.util.Arrays.fill(rgb, background & 0xffffff);
    }

    public int get(int x, int y) { return rgb[y * width + x]; }

    /** Sets a pixel; pixels outside the canvas are ignored (clipping). */
    public void set(int x, int y, int colour) {
        if (x >= 0 && y >= 0 && x < width && y < height) rgb[y * width + x] = colour & 0xffffff;
    }

    public void fill(int x, int y, int w, int h, int colour) {
        int x0 = Math.max(0, x), y0 = Math.max(0, y), x1 = Math.min(width, x + w), y1 = Math.min(height, y + h);
        if (x1 <= x0) return;
        for (int yy = y0; yy < y1; yy++) java.util.Arrays.fill(rgb, yy * width + x0, yy * width + x1, colour & 0xffffff);
    }

    /** A rectangle outline of the given line thickness, drawn inside the rectangle. */
    public void outline(int x, int y, int w, int h, int thickness, int colour) {
        fill(x, y, w, thickness, colour);
        fill(x, y + h - thickness, w, thickness, colour);
        fill(x, y, thickness, h, colour);
        fill(x + w - thickness, y, thickness, h, colour);
    }

    /** Draws a line of text with its top-left corner at (x, y), each font pixel a scale x scale block. */
    public void text(int x, int y, String text, int scale, int colour) {
        for (int i = 0; i < text.length(); i++) {
            boolean[][] g = BitmapFont.glyph(text.charAt(i));
            int gx = x + i * BitmapFont.ADVANCE * scale;
            for (int r = 0; r < BitmapFont.HEIGHT; r++)
                for (int c = 0; c < BitmapFont.WIDTH; c++)
                    if (g[r][c]) fill(gx + c * scale, y + r * scale, scale, scale, colour);
        }
    }

    /** Text with a one-pixel dark halo, readable on any background. */
    public void haloText(int x, int y, String text, int scale, int colour, int halo) {
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
                if (dx != 0 || dy != 0) text(x + dx, y + dy, text, scale, halo);
        text(x, y, text, scale, colour);
    }

    /** The canvas as a [1,3,H,W] tensor on the 0..255 scale. */
    public Tensor toTensor() {
        int plane = width * height;
        float[] d = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            d[i] = (rgb[i] >> 16) & 0xff;
            d[plane + i] = (rgb[i] >> 8) & 0xff;
            d[2 * plane + i] = rgb[i] & 0xff;
        }
        return new Tensor(1, 3, height, width, d);
    }

    public void writePng(Path file) throws IOException { Images.writePng(toTensor(), file); }
}
