package adabm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.TestData;
import adabm.TestGraphs;
import adabm.backend.onednn.ProfileNative;
import adabm.graph.Graph;
import adabm.io.ModelLoader;
import adabm.io.image.Images;
import adabm.perf.IsaLevel;
import adabm.quant.report.TinyData;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adabm profile} end to end on a small synthetic checkpoint (one ISA level, one child process): the structure of
 * the JSON and the tables (one row per step, conv rows per conv, the ISA names, the cap held), never timing values;
 * and bad input giving typed errors before any child starts.
 */
class ProfileCommandTest {
    @TempDir Path tmp;

    private Path image(int h, int w) throws Exception {
        Path png = tmp.resolve("lr.png");
        Images.writePng(TestGraphs.image(h, w, 3), png);
        return png;
    }

    @Test void oneLevelEndToEnd() throws Exception {
        assumeTrue(ProfileNative.failure() == null, "native profiling unavailable: " + ProfileNative.failure());
        assumeTrue(IsaLevel.AVX2.supportedBy(IsaLevel.cpuFlags()), "this CPU has no AVX2");
        Path model = ExportCommandTest.model();
        Graph g = ModelLoader.load(model, OptionalInt.empty());
        Path art = ExportCommandTest.artifact(TinyData.dataset(tmp.resolve("Tiny"), 2, 36, 40, 2, 5), tmp.resolve("a.json"));
        Path json = tmp.resolve("p.json");
        CliTest.Run r = CliTest.run("profile", "--model", model.toString(), "--quant", art.toString(), "--image", image(18, 20).toString(),
                "--isa", "avx2", "--repeats", "1", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("== AVX2: oneDNN effective ISA avx2 (cap held)"), r.out());
        assertTrue(r.out().contains("Summary"), r.out());

        JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertTrue(root.get("peak").getAsString().contains("ops/cycle"));
        JsonArray profiles = root.getAsJsonArray("profiles");
        assertEquals(1, profiles.size());
        JsonObject p = profiles.get(0).getAsJsonObject();
        assertEquals("AVX2", p.get("isa").getAsString());
        assertEquals("avx2", p.get("effective_isa").getAsString(), "the child ran capped");
        assertTrue(p.get("cap_held").getAsBoolean());
        assertEquals("20x18", p.get("image").getAsString());
        JsonArray runs = p.getAsJsonArray("runs");
        assertEquals(List.of("float32", "int8"), List.of(runs.get(0).getAsJsonObject().get("precision").getAsString(),
                runs.get(1).getAsJsonObject().get("precision").getAsString()));
        for (JsonElement re : runs) {
            JsonArray rows = re.getAsJsonObject().getAsJsonArray("rows");
            assertEquals("reorder", rows.get(0).getAsJsonObject().get("kind").getAsString());
            assertEquals("reorder", rows.get(rows.size() - 1).getAsJsonObject().get("kind").getAsString());
            List<String> convNames = new ArrayList<>();
            for (JsonElement e : rows) {
                JsonObject row = e.getAsJsonObject();
                assertTrue(row.get("ms").getAsDouble() >= 0);
                if (row.get("kind").getAsString().endsWith("conv")) {
                    convNames.add(row.get("name").getAsString());
                    assertTrue(row.get("kernel").getAsString().contains("avx2"), row.toString());
                    assertTrue(row.has("gops") && row.has("peak_share"), row.toString());
                    assertTrue(row.get("macs").getAsLong() > 0);
                }
            }
            assertEquals(g.convs().stream().map(adabm.graph.Op::name).toList(), convNames, "one row per conv, in order");
        }
        String noGpu = adabm.perf.GpuProfiler.unavailableReason();
        if (noGpu != null) {
            assertTrue(r.out().contains("GPU rows skipped: " + noGpu), r.out());
            assertTrue(root.getAsJsonArray("skipped").asList().stream().anyMatch(e -> e.getAsString().equals("GPU rows skipped: " + noGpu)));
            assertFalse(root.has("gpu"));
        } else {   // the GPU plans of both precisions, one conv row per conv each
            assertTrue(r.out().contains("== GPU: "), r.out());
            JsonArray gpuRuns = root.getAsJsonObject("gpu").getAsJsonArray("runs");
            assertEquals(2, gpuRuns.size());
            for (JsonElement re : gpuRuns) {
                assertTrue(re.getAsJsonObject().get("compute_ms").getAsDouble() > 0, re.toString());
                long convRows = re.getAsJsonObject().getAsJsonArray("rows").asList().stream()
                        .filter(e -> e.getAsJsonObject().get("kind").getAsString().endsWith("conv")).count();
                assertEquals(g.convs().size(), convRows, re.toString());
            }
        }
    }

    @Test void badInputGivesTypedErrors() throws Exception {
        Path model = ExportCommandTest.model();
        Path img = image(10, 12);
        CliTest.Run missingModel = CliTest.run("profile", "--model", tmp.resolve("none.onnx").toString(), "--image", img.toString());
        assertEquals(1, missingModel.code());
        assertTrue(missingModel.err().contains("no such model file"), missingModel.err());

        CliTest.Run missingImage = CliTest.run("profile", "--model", model.toString(), "--image", tmp.resolve("none.png").toString());
        assertEquals(1, missingImage.code());
        assertTrue(missingImage.err().contains("no such image file"), missingImage.err());

        Path notImage = tmp.resolve("text.png");
        Files.writeString(notImage, "this is not a picture");
        CliTest.Run bad = CliTest.run("profile", "--model", model.toString(), "--image", notImage.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains(notImage.toString()), bad.err());

        Path missingArtifact = tmp.resolve("none.json");
        CliTest.Run noArt = CliTest.run("profile", "--model", model.toString(), "--image", img.toString(), "--quant", missingArtifact.toString());
        assertEquals(1, noArt.code());
        assertTrue(noArt.err().contains("no such artifact file"), noArt.err());

        Path art = ExportCommandTest.artifact(TinyData.dataset(tmp.resolve("Tiny"), 2, 36, 40, 2, 5), tmp.resolve("a.json"));
        Path otherModel = TestData.shared().resolve("models/synthetic/rdn_small_x2.pt");
        CliTest.Run wrong = CliTest.run("profile", "--model", otherModel.toString(), "--image", img.toString(), "--quant", art.toString());
        assertEquals(1, wrong.code(), "an artifact made from another model");
        assertFalse(wrong.err().isBlank());

        CliTest.Run isa = CliTest.run("profile", "--model", model.toString(), "--image", img.toString(), "--isa", "AVX9");
        assertEquals(1, isa.code());
        assertTrue(isa.err().contains("unknown ISA level"), isa.err());

        CliTest.Run threads = CliTest.run("profile", "--model", model.toString(), "--image", img.toString(), "--threads", "0");
        assertEquals(1, threads.code());
        assertTrue(threads.err().contains("--threads"), threads.err());

        CliTest.Run json = CliTest.run("profile", "--model", model.toString(), "--image", img.toString(), "--json", tmp.resolve("no/dir/p.json").toString());
        assertEquals(1, json.code());
        assertTrue(json.err().contains("output folder does not exist"), json.err());
    }
}
