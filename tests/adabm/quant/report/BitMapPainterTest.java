package adabm.quant.report;

import static org.junit.jupiter.api.Assertions.*;

import adabm.io.image.Images;
import adabm.quant.QuantModel;
import adabm.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The painted PNG: size, legend swatch colours, tile tints, and the built-in font. */
class BitMapPainterTest {
    @TempDir Path tmp;

    static int rgb(Tensor t, int x, int y) {
        return (int) t.get(0, 0, y, x) << 16 | (int) t.get(0, 1, y, x) << 8 | (int) t.get(0, 2, y, x);
    }

    @Test void writesAPngWithTheImageTintsAndALegend() throws Exception {
        QuantModel m = TileBitMapTest.handSetModel();
        m.imageMap().enable(1.0, 10.0);
        Tensor img = TileBitMapTest.flatRampNoise();
        TileBitMap map = TileBitMap.compute(m, img, 96);
        BitMapPainter.Painting p = BitMapPainter.paint(img, map, 2, "TINY EDSR W4A4 FQ");
        Path png = tmp.resolve("map.png");
        p.canvas().writePng(png);
        assertTrue(Files.size(png) > 0);

        Tensor back = Images.read(png);
        // image 288x150 at zoom 2 = 576x300; the legend (title, swatches, mean, whole image) is wider than nothing
        // and sits below: 4 lines of 14 px text with 6 px gaps and 8 px padding on both sides
        assertEquals(Math.max(576, p.canvas().width), back.w);
        assertEquals(576, back.w);
        assertEquals(300 + 8 + 4 * 14 + 3 * 6 + 8, back.h);
        assertEquals(new BitMapPainter.Box(0, 0, 576, 300), p.imageArea());

        assertEquals(java.util.List.of(-1, 0, 1), java.util.List.copyOf(p.swatches().keySet()));
        for (var e : p.swatches().entrySet()) {
            BitMapPainter.Box b = e.getValue();
            assertTrue(b.y() >= 300, "swatch below the image");
            for (int y = b.y(); y < b.y() + b.h(); y++)
                for (int x = b.x(); x < b.x() + b.w(); x++)
                    assertEquals(BitMapPainter.colour(e.getKey()), rgb(back, x, y), "swatch " + e.getKey() + " at " + x + "," + y);
        }
        assertNotEquals(BitMapPainter.colour(-1), BitMapPainter.colour(0));
        assertNotEquals(BitMapPainter.colour(0), BitMapPainter.colour(1));

        // flat tile: grey 128 dimmed to 30 + 0.7*128 = 119.6, mixed 0.55/0.45 with blue (59,130,246)
        int flat = rgb(back, 20, 20);
        assertEquals(Math.round(0.55 * 119.6 + 0.45 * 59), flat >> 16);
        assertEquals(Math.round(0.55 * 119.6 + 0.45 * 130), (flat >> 8) & 0xff);
        assertEquals(Math.round(0.55 * 119.6 + 0.45 * 246), flat & 0xff);
        int noisy = rgb(back, 2 * 250, 20);   // red-tinted: red channel above blue wherever the grey is
        assertTrue((noisy >> 16) > (noisy & 0xff), Integer.toHexString(noisy));
        // a tile border runs along x = 2*96 (owned region's left edge), one pixel wide at zoom 2
        assertEquals(BitMapPainter.BORDER, rgb(back, 192, 40));
        assertNotEquals(BitMapPainter.BORDER, rgb(back, 194, 40));
    }

    @Test void autoZoomMakesSmallImagesReadable() {
        assertEquals(8, BitMapPainter.autoZoom(20, 30));
        assertEquals(4, BitMapPainter.autoZoom(100, 120));
        assertEquals(1, BitMapPainter.autoZoom(512, 768));
        assertEquals(1, BitMapPainter.autoZoom(2000, 3000));
    }

    @Test void legendWidensTheCanvasForNarrowImages() {
        QuantModel m = TileBitMapTest.handSetModel();
        Tensor img = new Tensor(1, 3, 10, 10);
        BitMapPainter.Painting p = BitMapPainter.paint(img, TileBitMap.compute(m, img, 96), 1, "");
        assertEquals(BitmapFont.width("MEAN TILE FAB 4.20 (1 TILES 96PX)", 2) + 16, p.canvas().width);
        assertThrows(IllegalArgumentException.class, () -> BitMapPainter.paint(img, TileBitMap.compute(m, img, 96), 0, ""));
        assertThrows(adabm.ShapeException.class, () -> BitMapPainter.paint(new Tensor(1, 3, 11, 10), TileBitMap.compute(m, img, 96), 1, ""));
    }

    @Test void fontDrawsExactlyTheGlyphPixels() {
        Canvas c = new Canvas(40, 20, 0);
        c.text(1, 2, "1.", 2, 0xFFFFFF);
        boolean[][] one = BitmapFont.glyph('1'), dot = BitmapFont.glyph('.');
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 40; x++) {
                boolean ink = false;
                int gx = (x - 1) / 2, gy = (y - 2) / 2;
                if (x >= 1 && y >= 2 && gy < 7) {
                    if (gx < 5) ink = one[gy][gx];
                    else if (gx >= 6 && gx < 11) ink = dot[gy][gx - 6];
                }
                assertEquals(ink ? 0xFFFFFF : 0, c.get(x, y), x + "," + y);
            }
        for (char ch : "0123456789.-+:=()/% ABCDEFGHIJKLMNOPQRSTUVWXYZ".toCharArray()) assertTrue(BitmapFont.has(ch), "glyph " + ch);
        assertThrows(IllegalArgumentException.class, () -> BitmapFont.glyph('_'));
        assertEquals(35, BitmapFont.width("ABCDEF", 1));
    }
}
