package adabm.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adabm.TestData;
import adabm.io.image.Images;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetTest {
    @TempDir Path dir;

    @Test
    void set5PairsInNameOrder() {
        Dataset ds = Dataset.open(TestData.dataset("Set5"));
        assertEquals("Set5", ds.name());
        List<Dataset.ImagePair> pairs = ds.pairs(4);
        assertEquals(List.of("baby", "bird", "butterfly", "head", "woman"), pairs.stream().map(Dataset.ImagePair::name).toList());
        assertEquals(ds.root().resolve("LR_bicubic/X4/womanx4.png"), pairs.get(4).lr());
        assertEquals("[1,3,86,57]", pairs.get(4).readLr().shape());   // woman is 228×344 (W×H) → 57×86 at x4
    }

    @Test
    void clearErrorsForBrokenLayouts() throws IOException {
        assertMessage(() -> Dataset.open(dir.resolve("nope")), "no such data set folder");
        assertMessage(() -> Dataset.open(dir), "no HR/");
        Path set = dir.resolve("Tiny");
        Files.createDirectories(set.resolve("HR"));
        assertMessage(() -> Dataset.open(set).pairs(2), "no LR folder for scale 2");
        Files.createDirectories(set.resolve("LR_bicubic/X2"));
        assertMessage(() -> Dataset.open(set).pairs(2), "holds no .png images");
        Images.writePng(new Tensor(1, 3, 9, 11), set.resolve("HR/a.png"));
        assertMessage(() -> Dataset.open(set).pairs(2), "missing " + set.resolve("LR_bicubic/X2/ax2.png"));
        Images.writePng(new Tensor(1, 3, 5, 5), set.resolve("LR_bicubic/X2/ax2.png"));   // 10×10 > 9 rows
        assertMessage(() -> Dataset.open(set).pairs(2), "exceeds its HR");
        Images.writePng(new Tensor(1, 3, 3, 5), set.resolve("LR_bicubic/X2/ax2.png"));   // 4 rows would be right
        assertMessage(() -> Dataset.open(set).pairs(2), "gives 5x4");
        Images.writePng(new Tensor(1, 3, 4, 5), set.resolve("LR_bicubic/X2/ax2.png"));
        assertEquals(1, Dataset.open(set).pairs(2).size());
        Files.writeString(set.resolve("LR_bicubic/X2/ax2.png"), "broken");
        assertThrows(adabm.ImageFormatException.class, () -> Dataset.open(set).pairs(2));
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String fragment) {
        DatasetException e = assertThrows(DatasetException.class, call);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
