package adabm.cli;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.quant.report.TinyData;
import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adabm compare}: a quick run on a small synthetic checkpoint and tiny generated images, and bad input. */
class CompareCommandTest {
    @TempDir Path tmp;

    static String model() { return TestData.shared().resolve("models/synthetic/srresnet_small_x2.pt").toString(); }

    @Test void quickRunPrintsAndWritesTheTable() throws Exception {
        Path set = TinyData.dataset(tmp.resolve("Tiny"), 2, 36, 40, 2, 5);
        Path outDir = Files.createDirectories(tmp.resolve("out"));
        Path md = outDir.resolve("t.md"), csv = outDir.resolve("t.csv"), json = outDir.resolve("t.json");
        // --calib is a data set folder: its LR_bicubic/X2 (18x20 images) serves as calibration images
        CliTest.Run r = CliTest.run("compare", "--model", model(), "--calib", set.toString(), "--data", set.toString(),
                "--rows", "float,minmax,adabm-noft", "--patches", "3", "--patch-size", "16", "--epochs", "1", "--steps", "1",
                "--seed", "4", "--backend", "java", "--threads", "1", "--markdown", md.toString(), "--csv", csv.toString(),
                "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        List<String> table = r.out().lines().filter(l -> l.startsWith("|")).toList();
        assertEquals(2 + 4, table.size(), r.out());
        assertTrue(table.get(2).startsWith("| float32"), table.get(2));
        assertTrue(table.get(4).startsWith("| MinMax+FT"), table.get(4));
        assertTrue(table.get(5).startsWith("| AdaBM (no FT)"), table.get(5));
        String title = r.out().lines().findFirst().orElseThrow();
        assertTrue(title.contains("W4A4 fq on Tiny") && title.contains("fine-tuning 1 epochs x 1 steps"), title);
        assertTrue(r.err().contains("compare 3/4 MinMax+FT"), r.err());
        assertEquals(r.out(), Files.readString(md));
        assertEquals(5, Files.readAllLines(csv).size());
        JsonArray rows = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonArray("rows");
        assertEquals(List.of("float", "minmax-noft", "minmax+ft", "adabm-noft"),
                rows.asList().stream().map(e -> e.getAsJsonObject().get("row").getAsString()).toList());
        assertTrue(JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("provenance").get("calibration_pass_seconds")
                .getAsDouble() > 0);
    }

    @Test void noFtKeepsOnlyRowsWithoutFineTuning() throws Exception {
        Path set = TinyData.dataset(tmp.resolve("Tiny"), 1, 36, 40, 2, 5);
        CliTest.Run r = CliTest.run("compare", "--model", model(), "--calib", set.toString(), "--data", set.toString(),
                "--rows", "minmax", "--no-ft", "--patches", "2", "--patch-size", "16", "--backend", "java", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertEquals(2 + 1, r.out().lines().filter(l -> l.startsWith("|")).count(), r.out());
        assertFalse(r.out().lines().findFirst().orElseThrow().contains("fine-tuning"), "no fine-tuned row, no schedule in the title");
    }

    @Test void missingDataFolderIsAClearError() throws Exception {
        Path calib = TinyData.folder(tmp.resolve("calib"), 1, 24, 24, 1);
        CliTest.Run r = CliTest.run("compare", "--model", model(), "--calib", calib.toString(), "--data", tmp.resolve("nope").toString(),
                "--backend", "java");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("nope") && r.err().contains("no such data set folder"), r.err());
        assertEquals("", r.out());
    }

    @Test void emptyCalibrationFolderIsAClearError() throws Exception {
        Path set = TinyData.dataset(tmp.resolve("Tiny"), 1, 36, 40, 2, 5);
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        CliTest.Run r = CliTest.run("compare", "--model", model(), "--calib", empty.toString(), "--data", set.toString(),
                "--rows", "adabm-noft", "--backend", "java", "--threads", "1");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("calibration image folder is empty"), r.err());
    }

    @Test void outputFilesAreCheckedBeforeAnyWork() throws Exception {
        Path set = TinyData.dataset(tmp.resolve("Tiny"), 1, 36, 40, 2, 5);
        CliTest.Run r = CliTest.run("compare", "--model", model(), "--calib", set.toString(), "--data", set.toString(),
                "--backend", "java", "--json", tmp.resolve("no/such/t.json").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("--json") && r.err().contains("output folder does not exist"), r.err());
        assertFalse(r.err().contains("calibration"), "failed before the calibration: " + r.err());
        CliTest.Run dir = CliTest.run("compare", "--model", model(), "--calib", set.toString(), "--data", set.toString(),
                "--backend", "java", "--csv", set.toString());
        assertEquals(1, dir.code(), dir.err());
        assertTrue(dir.err().contains("is a directory"), dir.err());
    }

    @Test void badBitsAndRowsAreClearErrors() throws Exception {
        Path set = TinyData.dataset(tmp.resolve("Tiny"), 1, 36, 40, 2, 5);
        CliTest.Run bits = CliTest.run("compare", "--model", model(), "--calib", set.toString(), "--data", set.toString(), "--w-bits", "9");
        assertEquals(1, bits.code(), bits.err());
        assertTrue(bits.err().contains("weight bits"), bits.err());
        CliTest.Run rows = CliTest.run("compare", "--model", model(), "--calib", set.toString(), "--data", set.toString(), "--rows", "kmeans");
        assertEquals(1, rows.code(), rows.err());
        assertTrue(rows.err().contains("kmeans"), rows.err());
    }

    @Test void helpListsTheOptions() {
        CliTest.Run r = CliTest.run("compare", "--help");
        assertEquals(0, r.code());
        for (String o : new String[] {"--calib", "--data", "--rows", "--no-ft", "--epochs", "--json", "--csv", "--markdown"})
            assertTrue(r.out().contains(o), o);
    }
}
