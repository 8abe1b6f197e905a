package adabm.io.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adabm.AdabmException;
import adabm.ImageFormatException;
import adabm.ShapeException;
import adabm.TestData;
import adabm.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
    @TempDir Path dir;

    @Test
    void greyscaleSet14BridgeIsReplicatedWithRawValues() throws IOException {
        Path file = TestData.dataset("Set14").resolve("HR/bridge.png");
        Tensor t = Images.read(file);
        assertEquals("[1,3,512,512]", t.shape());
        // oracle: the raw 8-bit samples of the grey PNG (no gamma conversion, which getRGB would apply)
        BufferedImage raw = ImageIO.read(file.toFile());
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, raw.getType());
        int[] grey = raw.getRaster().getSamples(0, 0, 512, 512, 0, (int[]) null);
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < grey.length; i++) assertEquals(grey[i], t.data[c * grey.length + i], 0, "channel " + c + " pixel " + i);
    }

    @Test
    void greyRampKeepsItsValues() throws IOException {
        BufferedImage img = new BufferedImage(256, 2, BufferedImage.TYPE_BYTE_GRAY);
        for (int x = 0; x < 256; x++) { img.getRaster().setSample(x, 0, 0, x); img.getRaster().setSample(x, 1, 0, 255 - x); }
        Tensor t = Images.read(write(img, "png", "grey.png"));
        for (int c = 0; c < 3; c++)
            for (int x = 0; x < 256; x++) {
                assertEquals(x, t.get(0, c, 0, x), 0);
                assertEquals(255 - x, t.get(0, c, 1, x), 0);
            }
    }

    @Test
    void rgbaDropsAlphaWithoutCompositing() throws IOException {
        BufferedImage img = new BufferedImage(5, 3, BufferedImage.TYPE_INT_ARGB);
        int[][] rgb = new int[15][];
        for (int i = 0; i < 15; i++) {
            rgb[i] = new int[]{i * 17, 255 - i * 13, (i * 71) % 256};
            int alpha = i * 18;                          // includes fully transparent (0)
            img.setRGB(i % 5, i / 5, alpha << 24 | rgb[i][0] << 16 | rgb[i][1] << 8 | rgb[i][2]);
        }
        Tensor t = Images.read(write(img, "png", "rgba.png"));
        for (int i = 0; i < 15; i++)
            for (int c = 0; c < 3; c++) assertEquals(rgb[i][c], t.get(0, c, i / 5, i % 5), 0, "pixel " + i + " channel " + c);
    }

    @Test
    void paletteIsExpanded() throws IOException {
        byte[] r = {0, (byte) 200, 10, (byte) 255}, g = {0, 100, (byte) 220, (byte) 255}, b = {0, 50, 30, 1};
        BufferedImage img = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(2, 4, r, g, b));
        for (int i = 0; i < 8; i++) img.getRaster().setSample(i % 4, i / 4, 0, (i * 3) % 4);
        Path file = write(img, "png", "palette.png");
        assertTrue(ImageIO.read(file.toFile()).getColorModel() instanceof IndexColorModel, "the PNG is a palette PNG");
        Tensor t = Images.read(file);
        for (int i = 0; i < 8; i++) {
            int k = (i * 3) % 4;
            assertEquals(r[k] & 0xff, t.get(0, 0, i / 4, i % 4), 0);
            assertEquals(g[k] & 0xff, t.get(0, 1, i / 4, i % 4), 0);
            assertEquals(b[k] & 0xff, t.get(0, 2, i / 4, i % 4), 0);
        }
    }

    @Test
    void bmpRoundTripsExactly() throws IOException {
        for (int type : new int[]{BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB}) {
            BufferedImage img = new BufferedImage(7, 4, type);
            for (int i = 0; i < 28; i++) img.setRGB(i % 7, i / 7, (i * 9) << 16 | (250 - i * 7) << 8 | (i * 37) % 256);
            Tensor t = Images.read(write(img, "bmp", "img" + type + ".bmp"));
            for (int i = 0; i < 28; i++) {
                assertEquals(i * 9, t.get(0, 0, i / 7, i % 7), 0);
                assertEquals(250 - i * 7, t.get(0, 1, i / 7, i % 7), 0);
                assertEquals((i * 37) % 256, t.get(0, 2, i / 7, i % 7), 0);
            }
        }
    }

    @Test
    void jpegRoundTripsWithinCompressionError() throws IOException {
        // flat blocks aligned to the 16×16 MCU: JPEG reproduces their insides to a few levels (the decoder's smooth
        // chroma upsampling blurs a few pixels on each side of a colour edge, so those are skipped)
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_3BYTE_BGR);
        int[] colours = {0x204060, 0xc08040, 0x10e010, 0x808080};
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) img.setRGB(x, y, colours[(y / 16) * 2 + x / 16]);
        Tensor t = Images.read(write(img, "jpeg", "blocks.jpg"));
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++) {
                if (Math.abs(y % 16 - 7.5) > 4 || Math.abs(x % 16 - 7.5) > 4) continue;
                int c = colours[(y / 16) * 2 + x / 16];
                assertEquals((c >> 16) & 0xff, t.get(0, 0, y, x), 6);
                assertEquals((c >> 8) & 0xff, t.get(0, 1, y, x), 6);
                assertEquals(c & 0xff, t.get(0, 2, y, x), 6);
            }
        BufferedImage grey = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 64; i++) grey.getRaster().setSample(i % 8, i / 8, 0, 90);
        Tensor g = Images.read(write(grey, "jpeg", "grey.jpg"));
        for (int i = 0; i < 64; i++) {
            assertEquals(90, g.data[i], 2);
            assertEquals(g.data[i], g.data[64 + i], 0);
            assertEquals(g.data[i], g.data[128 + i], 0);
        }
    }

    @Test
    void sixteenBitPngIsRefusedNamingFileAndDepth() throws IOException {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_USHORT_GRAY);
        Path file = write(img, "png", "deep16.png");
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(file));
        assertTrue(e.getMessage().contains("deep16.png") && e.getMessage().contains("16-bit"), e.getMessage());
    }

    @Test
    void damagedFilesNameTheFile() throws IOException {
        byte[] good = Files.readAllBytes(write(gradient(64, 48), "png", "good.png"));
        byte[] jpeg = Files.readAllBytes(write(gradient(200, 200), "jpeg", "good.jpg"));
        byte[] garbage = new byte[200];
        new java.util.Random(1).nextBytes(garbage);
        byte[] pngThenGarbage = Arrays.copyOf(good, good.length);
        for (int i = 60; i < pngThenGarbage.length - 20; i++) pngThenGarbage[i] = (byte) (i * 31);
        expectFailure(bytes("empty.png", new byte[0]), "empty.png");
        expectFailure(bytes("text.png", "hello, not an image".getBytes(StandardCharsets.US_ASCII)), "text.png");
        expectFailure(bytes("noise.bmp", garbage), "noise.bmp");
        expectFailure(bytes("truncated.png", Arrays.copyOf(good, good.length / 2)), "truncated.png");
        expectFailure(bytes("corrupt.png", pngThenGarbage), "corrupt.png");
        expectFailure(bytes("headless.jpg", Arrays.copyOf(jpeg, 300)), "headless.jpg");
        // cut inside the scan: the decoder only warns and fills with grey; that must still fail
        Path cut = bytes("truncated.jpg", Arrays.copyOf(jpeg, jpeg.length * 8 / 10));
        assertTrue(assertThrows(ImageFormatException.class, () -> Images.read(cut)).getMessage().contains("damaged"));
        expectFailure(dir.resolve("missing.png"), "missing.png");
        expectFailure(write(gradient(4, 4), "gif", "anim.gif"), "anim.gif");
    }

    @Test
    void hugeHeaderFailsFastWithoutDecoding() throws IOException {
        Path file = bytes("huge.png", pngHeader(100_000, 100_000));
        ImageFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(ImageFormatException.class, () -> Images.read(file)));
        assertTrue(e.getMessage().contains("huge.png") && e.getMessage().contains("100000x100000"), e.getMessage());
        assertEquals(new ImageSize(100_000, 100_000), Images.size(file));   // the header alone is readable
        expectFailure(bytes("zero.png", pngHeader(0, 10)), "zero.png");
    }

    @Test
    void pixelLimitIsConfigurable() {
        Path bird = TestData.dataset("Set5").resolve("HR/bird.png");   // 288×288 = 82944 px
        assertThrows(ImageFormatException.class, () -> Images.read(bird, 82_943));
        assertEquals("[1,3,288,288]", Images.read(bird, 82_944).shape());
    }

    @Test
    void pngWritingClampsAndRoundsHalfToEven() throws IOException {
        float[] v = {0.5f, 1.5f, 2.5f, 3.4999f, -3f, 300f, 254.5f, 253.5f, 127.5f, 126.5f, 77f, 0.50001f};
        int[] expect = {0, 2, 2, 3, 0, 255, 254, 254, 128, 126, 77, 1};
        Tensor t = new Tensor(1, 3, 2, 2, v);
        Path file = dir.resolve("out.png");
        Images.writePng(t, file);
        BufferedImage back = ImageIO.read(file.toFile());
        assertEquals(3, back.getColorModel().getNumComponents(), "8-bit RGB, no alpha");
        assertEquals(8, back.getColorModel().getComponentSize(0));
        Tensor r = Images.read(file);
        for (int i = 0; i < v.length; i++) assertEquals(expect[i], r.data[i], 0, "value " + v[i]);
        t.data[5] = Float.NaN;
        AdabmException nan = assertThrows(AdabmException.class, () -> Images.writePng(t, dir.resolve("nan.png")));
        assertTrue(nan.getMessage().contains("nan.png") && nan.getMessage().contains("NaN"), nan.getMessage());
        assertThrows(ShapeException.class, () -> Images.writePng(new Tensor(1, 1, 2, 2), dir.resolve("grey.png")));
    }

    @Test
    void goldenPngIsTheRoundedGoldenTensor() throws IOException {
        // the goldens' PNGs were made by clamp + round half to even of the .f32t: writing the tensor gives the same pixels
        Tensor raw = adabm.io.F32T.read(TestData.golden("carn_m_x3_Set5_bird_x3.f32t"));
        Path file = dir.resolve("ours.png");
        Images.writePng(raw, file);
        assertEquals(0f, Images.read(file).maxAbsDiff(Images.read(TestData.golden("carn_m_x3_Set5_bird_x3.png"))));
    }

    private void expectFailure(Path file, String name) {
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> Images.read(file), name);
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    private Path write(BufferedImage img, String format, String name) throws IOException {
        Path file = dir.resolve(name);
        assertTrue(ImageIO.write(img, format, file.toFile()), "ImageIO wrote " + format);
        return file;
    }

    private Path bytes(String name, byte[] data) throws IOException { return Files.write(dir.resolve(name), data); }

    private static BufferedImage gradient(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, x % 256 << 16 | y % 256 << 8 | (x * y) % 256);
        return img;
    }

    /** PNG signature + a valid IHDR (8-bit RGB) + an empty IDAT + IEND: the header claims any size. */
    static byte[] pngHeader(int width, int height) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeInt(width); h.writeInt(height);
        h.write(new byte[]{8, 2, 0, 0, 0});
        chunk(out, "IHDR", ihdr.toByteArray());
        chunk(out, "IDAT", new byte[0]);
        chunk(out, "IEND", new byte[0]);
        return bytes.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        out.writeInt((int) crc.getValue());
    }
}
