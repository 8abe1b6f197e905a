package adabm.cli;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestGraphs;
import adabm.TestOnnx;
import adabm.io.image.Images;
import adabm.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `adabm bitmap` end to end on a tiny EDSR-like ONNX model, calibrated on the fly on small generated images. */
class BitmapCommandTest {
    @TempDir Path tmp;
    Path model, calib, image;

    @BeforeEach void files() throws Exception {
        model = TestOnnx.write(TestGraphs.tinyEdsr(4, 2, 2, 3), tmp.resolve("tiny.onnx"));
        calib = Files.createDirectories(tmp.resolve("calib"));
        for (int i = 0; i < 3; i++) Images.writePng(TestGraphs.image(40, 48, 100 + i), calib.resolve("c" + i + ".png"));
        // 56 x 100 LR: a flat left part and a textured right part, tiles of 16 -> 4 rows x 7 cols
        Tensor t = TestGraphs.image(56, 100, 7);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 56; y++)
                for (int x = 0; x < 50; x++) t.data[t.index(0, c, y, x)] = 90;
        image = tmp.resolve("lr.png");
        Images.writePng(t, image);
    }

    String[] args(String... extra) {
        String[] base = {"bitmap", "--model", model.toString(), "--image", image.toString(), "--calib", calib.toString(),
                "--patches", "12", "--patch-size", "24", "--backend", "java", "--threads", "1"};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @Test void writesTheMapAndPrintsTheGrid() throws Exception {
        Path out = tmp.resolve("map.png");
        CliTest.Run r = CliTest.run(args("--out", out.toString(), "--tile", "16"));
        assertEquals(0, r.code(), r.err() + r.out());
        Tensor png = Images.read(out);
        // 100x56 LR auto-zoomed x5 (longer side >= 480) = 500 x 280, plus the legend strip below
        assertTrue(png.w >= 500, "at least the zoomed image width: " + png.w);
        assertEquals(280 + 8 + 4 * (14 + 6) - 6 + 8, png.h, "the image, then 4 legend lines");
        String o = r.out();
        assertTrue(o.contains("zoom 5"), o);
        // a flat tile is tinted with the -1 colour (blue): blue channel well above red
        assertTrue(png.get(0, 2, 20, 20) > png.get(0, 0, 20, 20) + 40, png.get(0, 0, 20, 20) + " " + png.get(0, 2, 20, 20));
        assertTrue(o.contains("4 rows x 7 cols"), o);
        assertTrue(o.contains("W4A4 fq"), o);
        // the grid: 4 lines of 7 signs; the flat left tiles (x < 48) are below tauLow
        String grid = o.substring(o.indexOf("more bits)\n") + "more bits)\n".length());
        String[] lines = grid.split("\n");
        for (int row = 0; row < 4; row++) {
            String[] signs = lines[row].trim().split(" ");
            assertEquals(7, signs.length, lines[row]);
            for (int c = 0; c < 3; c++) assertEquals("-", signs[c], "flat tile " + row + "," + c + ": " + lines[row]);
        }
        assertTrue(o.contains("mean tile FAB"), o);
        assertTrue(o.matches("(?s).*FAB by offset  -1 \\d\\.\\d{3}  0 \\d\\.\\d{3}  \\+1 \\d\\.\\d{3}.*"), o);
        if (Files.getFileStore(out).supportsFileAttributeView("posix"))   // umask permissions like any written PNG, not 0600
            assertEquals(Files.getPosixFilePermissions(image), Files.getPosixFilePermissions(out));
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test void badInputGivesClearErrors() throws Exception {
        Path out = tmp.resolve("bad.png");
        CliTest.Run r = CliTest.run(args("--out", out.toString(), "--tile", "4"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--tile must be at least 8"), r.err());

        r = CliTest.run("bitmap", "--model", model.toString(), "--image", tmp.resolve("missing.png").toString(),
                "--calib", calib.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("missing.png: no such image file"), r.err());

        Path empty = tmp.resolve("empty.png");
        Files.write(empty, new byte[0]);   // an image smaller than nothing
        r = CliTest.run("bitmap", "--model", model.toString(), "--image", empty.toString(), "--calib", calib.toString(),
                "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("empty.png: empty file (0 bytes), not an image"), r.err());

        r = CliTest.run(args("--out", tmp.resolve("no/such/dir/x.png").toString(), "--tile", "16"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("output folder does not exist"), r.err());

        r = CliTest.run("bitmap", "--model", model.toString(), "--image", image.toString(), "--quant", tmp.resolve("q.adabm").toString(),
                "--out", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("q.adabm: no such artifact file"), r.err());

        r = CliTest.run("bitmap", "--model", model.toString(), "--image", image.toString(), "--out", out.toString());
        assertEquals(2, r.code(), "neither --quant nor --calib is a usage error");
        r = CliTest.run("bitmap", "--model", model.toString(), "--image", image.toString(), "--calib", calib.toString(),
                "--quant", "q", "--out", out.toString());
        assertEquals(2, r.code(), "both --quant and --calib is a usage error");

        r = CliTest.run("bitmap", "--model", model.toString(), "--image", image.toString(), "--calib", calib.toString(),
                "--patch-size", "64", "--backend", "java", "--out", out.toString());   // calibration images are 48x40
        assertEquals(1, r.code());
        assertTrue(r.err().contains("smaller than the 64x64 calibration patch"), r.err());
        assertFalse(Files.exists(out), "no PNG after a failure");
    }

    /** Quantizes the tiny model (no fine-tuning) into an artifact, as `adabm quantize` writes it. */
    Path quantize(Path onnx, String name) {
        Path art = tmp.resolve(name);
        CliTest.Run q = CliTest.run("quantize", "--model", onnx.toString(), "--calib", calib.toString(), "--patches", "12",
                "--patch-size", "24", "--no-ft", "--backend", "java", "--threads", "1", "--out", art.toString());
        assertEquals(0, q.code(), q.err());
        return art;
    }

    @Test void quantArtifactDrivesTheMapAndAForeignOneIsRefused() throws Exception {
        Path art = quantize(model, "tiny.adabm.json");
        Path out = tmp.resolve("from-artifact.png");
        CliTest.Run r = CliTest.run("bitmap", "--model", model.toString(), "--image", image.toString(), "--quant", art.toString(),
                "--tile", "16", "--zoom", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        adabm.io.image.ImageSize png = Images.size(out);
        assertTrue(png.width() >= 100 && png.height() > 56, png.toString());   // the 100x56 image at zoom 1, plus the legend
        assertTrue(r.out().contains("(" + png.width() + "x" + png.height() + ", zoom 1)"), r.out());
        // the grid printed is the artifact's model applied to the image, computed here without the CLI
        adabm.graph.Graph g = adabm.io.ModelLoader.load(model, java.util.OptionalInt.empty());
        adabm.quant.report.TileBitMap map = adabm.quant.report.TileBitMap.compute(
                adabm.quant.artifact.QuantArtifact.load(art, g), Images.read(image), 16);
        for (String row : map.offsetGrid().split("\n")) assertTrue(r.out().contains("  " + row + "\n"), row + " in:\n" + r.out());

        r = CliTest.run("bitmap", "--model", model.toString(), "--image", image.toString(), "--quant", art.toString(),
                "--w-bits", "2", "--out", tmp.resolve("w2.png").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--w-bits applies to --calib only"), r.err());

        // an artifact of another model (same architecture, other weights) is refused before anything is written
        Path other = TestOnnx.write(TestGraphs.tinyEdsr(4, 2, 2, 4), tmp.resolve("other.onnx"));
        Path foreign = quantize(other, "other.adabm.json");
        Path refused = tmp.resolve("refused.png");
        r = CliTest.run("bitmap", "--model", model.toString(), "--image", image.toString(), "--quant", foreign.toString(),
                "--out", refused.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("other.adabm.json") && r.err().contains("digest"), r.err());
        assertFalse(Files.exists(refused));
    }

    @Test void hasHelp() {
        CliTest.Run r = CliTest.run("bitmap", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Usage: adabm bitmap"), r.out());
    }
}
