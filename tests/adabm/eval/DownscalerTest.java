package adabm.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import adabm.TestData;
import adabm.io.image.Images;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownscalerTest {
    @TempDir Path dir;

    @Test
    void regeneratesShippedLrFilesIncludingGreyscale() throws IOException {
        Path set = dir.resolve("Mini");
        Files.createDirectories(set.resolve("HR"));
        Path source = TestData.dataset("Set14").resolve("HR");
        for (String n : new String[]{"bridge", "comic", "face"}) Files.copy(source.resolve(n + ".png"), set.resolve("HR/" + n + ".png"));
        List<String> seen = new ArrayList<>();
        List<Path> written = Downscaler.downscaleDataset(set, 3, (done, total, name) -> seen.add(done + "/" + total + " " + name));
        assertEquals(List.of("1/3 bridge", "2/3 comic", "3/3 face"), seen);
        assertEquals(3, written.size());
        for (Path out : written) {
            Path shipped = TestData.dataset("Set14").resolve("LR_bicubic/X3").resolve(out.getFileName());
            assertEquals(0f, Images.read(out).maxAbsDiff(Images.read(shipped)), out.getFileName().toString());
        }
        assertEquals(3, Dataset.open(set).pairs(3).size());   // the result is a valid data set
    }
}
