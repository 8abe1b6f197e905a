package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;

import adabm.AdabmException;
import adabm.TestData;
import adabm.io.image.Images;
import adabm.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Calibration patches: reproducible, augmented, and clear errors for bad folders. */
class CalibrationPatchesTest {
    @Test
    void sameSeedSamePatches_otherSeedOthers() {
        Path dir = TestData.dataset("Kodak24/LR_bicubic/X4");
        List<Tensor> a = CalibrationPatches.sample(dir, 12, 48, 42), b = CalibrationPatches.sample(dir, 12, 48, 42);
        List<Tensor> c = CalibrationPatches.sample(dir, 12, 48, 43);
        assertEquals(12, a.size());
        int differ = 0;
        for (int i = 0; i < 12; i++) {
            assertEquals("[1,3,48,48]", a.get(i).shape());
            assertArrayEquals(a.get(i).data, b.get(i).data);
            if (a.get(i).maxAbsDiff(c.get(i)) > 0) differ++;
        }
        assertTrue(differ >= 11, "another seed should give other patches, differ " + differ);
        for (float v : a.get(0).data) assertTrue(v >= 0 && v <= 255);
    }

    @Test
    void cropFlipsAndTransposes() {
        // 1 channel 4x5 image with value 10y + x; patch 3x3 at (1, 1)
        Tensor img = new Tensor(1, 1, 4, 5);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 5; x++) img.data[y * 5 + x] = 10 * y + x;
        assertArrayEquals(new float[] {11, 12, 13, 21, 22, 23, 31, 32, 33}, CalibrationPatches.crop(img, 1, 1, 3, false, false, false).data);
        assertArrayEquals(new float[] {13, 12, 11, 23, 22, 21, 33, 32, 31}, CalibrationPatches.crop(img, 1, 1, 3, true, false, false).data);
        assertArrayEquals(new float[] {31, 32, 33, 21, 22, 23, 11, 12, 13}, CalibrationPatches.crop(img, 1, 1, 3, false, true, false).data);
        assertArrayEquals(new float[] {11, 21, 31, 12, 22, 32, 13, 23, 33}, CalibrationPatches.crop(img, 1, 1, 3, false, false, true).data);
    }

    @Test
    void augmentationsAreAllUsed() {
        // 64 patches of one horizontal ramp: horizontal flips make rows fall instead of rise, transposes make it vertical
        Tensor ramp = new Tensor(1, 3, 20, 20);
        for (int c = 0; c < 3; c++) for (int y = 0; y < 20; y++) for (int x = 0; x < 20; x++) ramp.data[ramp.index(0, c, y, x)] = 10 * x;
        Path dir = write(ramp);
        int rising = 0, falling = 0, vertical = 0;
        for (Tensor p : CalibrationPatches.sample(dir, 64, 8, 1)) {
            float dx = p.get(0, 0, 0, 1) - p.get(0, 0, 0, 0), dy = p.get(0, 0, 1, 0) - p.get(0, 0, 0, 0);
            if (dx > 0) rising++;
            if (dx < 0) falling++;
            if (dy != 0) vertical++;
        }
        assertTrue(rising > 5 && falling > 5 && vertical > 5, rising + " " + falling + " " + vertical);
    }

    @TempDir Path tmp;

    private Path write(Tensor t) {
        try {
            Path d = Files.createTempDirectory(tmp, "imgs");
            Images.writePng(t, d.resolve("a.png"));
            return d;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void errors() throws Exception {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        Files.writeString(empty.resolve(".hidden"), "x");
        AdabmException e = assertThrows(AdabmException.class, () -> CalibrationPatches.sample(empty, 4, 8, 0));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        assertThrows(AdabmException.class, () -> CalibrationPatches.sample(tmp.resolve("missing"), 4, 8, 0));

        Path notImage = Files.createDirectory(tmp.resolve("text"));
        Files.writeString(notImage.resolve("notes.png"), "not an image");
        e = assertThrows(AdabmException.class, () -> CalibrationPatches.sample(notImage, 4, 8, 0));
        assertTrue(e.getMessage().contains("notes.png"), e.getMessage());

        Path small = write(new Tensor(1, 3, 10, 12));
        e = assertThrows(AdabmException.class, () -> CalibrationPatches.sample(small, 4, 11, 0));
        assertTrue(e.getMessage().contains("a.png") && e.getMessage().contains("12x10"), e.getMessage());
        assertEquals(4, CalibrationPatches.sample(small, 4, 10, 0).size(), "a patch as large as the image fits");
        assertThrows(IllegalArgumentException.class, () -> CalibrationPatches.sample(small, 0, 8, 0));
    }
}
