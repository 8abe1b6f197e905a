package adabm.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.backend.Backends;
import adabm.quant.report.TinyData;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adabm bench} on a small synthetic checkpoint and tiny images: the JSON rows carry the stable fields, and each
 * row's PSNR and FAB are what {@code adabm eval} reports for the same model and backend (same forward, same metric).
 */
class BenchCommandTest {
    @TempDir Path tmp;

    @Test void rowsMatchEvalForTheSameBackend() throws Exception {
        assumeTrue(Backends.get("onednn").availability().available(), "onednn unavailable");
        Path set = TinyData.dataset(tmp.resolve("Tiny"), 2, 36, 40, 2, 5);
        Path art = ExportCommandTest.artifact(set, tmp.resolve("a.json"));
        String model = ExportCommandTest.model().toString();
        Path json = tmp.resolve("bench.json");
        CliTest.Run r = CliTest.run("bench", "--model", model, "--quant", art.toString(), "--data", set.toString(),
                "--rows", "java-fq,onednn-fp32,onednn-int8", "--repeats", "2", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        JsonObject root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(1, root.get("threads").getAsInt(), "one thread by default");
        JsonArray rows = root.getAsJsonArray("rows");
        assertEquals(3, rows.size());
        for (var e : rows) {
            JsonObject o = e.getAsJsonObject();
            for (String f : List.of("backend", "precision", "ms_median", "images_per_s", "gmacs_per_s", "psnr", "fab"))
                assertTrue(o.has(f), "row field " + f + " in " + o);
            assertTrue(o.get("ms_median").getAsDouble() > 0 && o.get("gmacs_per_s").getAsDouble() > 0, o.toString());
            assertEquals(1000 / o.get("ms_median").getAsDouble(), o.get("images_per_s").getAsDouble(), 1e-6);
        }
        JsonObject fq = rows.get(0).getAsJsonObject(), fp = rows.get(1).getAsJsonObject();
        assertEquals(Set.of("java/fake-quant", "onednn/float32"), Set.of(fq.get("backend").getAsString() + "/" + fq.get("precision").getAsString(),
                fp.get("backend").getAsString() + "/" + fp.get("precision").getAsString()));
        assertEquals(32.0, fp.get("fab").getAsDouble());

        Path evalQ = tmp.resolve("eq.json"), evalF = tmp.resolve("ef.json");
        assertEquals(0, CliTest.run("eval", "--model", model, "--quant", art.toString(), "--data", set.toString(), "--backend", "java",
                "--threads", "1", "--json", evalQ.toString()).code());
        assertEquals(0, CliTest.run("eval", "--model", model, "--data", set.toString(), "--backend", "onednn", "--threads", "1",
                "--json", evalF.toString()).code());
        JsonObject eq = JsonParser.parseString(Files.readString(evalQ)).getAsJsonObject();
        JsonObject ef = JsonParser.parseString(Files.readString(evalF)).getAsJsonObject();
        assertEquals(meanPsnr(eq), fq.get("psnr").getAsDouble(), 1e-9, "java fake-quant row = eval --quant --backend java");
        assertEquals(eq.getAsJsonObject("mean").get("fab").getAsDouble(), fq.get("fab").getAsDouble(), 1e-12);
        assertEquals(meanPsnr(ef), fp.get("psnr").getAsDouble(), 1e-9, "onednn float row = eval --backend onednn");
        assertTrue(r.out().contains("ms/image") && r.out().contains("java") && r.out().contains("onednn"), r.out());
        // the integer plan: same per-image offsets (FAB), PSNR within the 0.01 dB of its exactness target
        JsonObject i8 = rows.get(2).getAsJsonObject();
        assertEquals("onednn/int8", i8.get("backend").getAsString() + "/" + i8.get("precision").getAsString());
        assertEquals(fq.get("fab").getAsDouble(), i8.get("fab").getAsDouble(), 1e-12);
        assertEquals(fq.get("psnr").getAsDouble(), i8.get("psnr").getAsDouble(), 0.01);
    }

    @Test void fixedOffsetRowRunsEveryImageAtThatOffset() throws Exception {
        Path set = TinyData.dataset(tmp.resolve("Tiny"), 2, 36, 40, 2, 5);
        Path art = ExportCommandTest.artifact(set, tmp.resolve("a.json"));
        Path model = ExportCommandTest.model();
        Path json = tmp.resolve("b.json");
        CliTest.Run r = CliTest.run("bench", "--model", model.toString(), "--quant", art.toString(), "--data", set.toString(),
                "--rows", "java-fq@1", "--repeats", "1", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        JsonObject row = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonArray("rows").get(0).getAsJsonObject();
        assertEquals("fake-quant@1", row.get("precision").getAsString());
        var qm = adabm.quant.artifact.QuantArtifact.load(art, adabm.io.ModelLoader.load(model, java.util.OptionalInt.empty()));
        assertEquals(qm.fabFor(1), row.get("fab").getAsDouble(), 1e-12);
    }

    @Test void unknownRowOrMissingQuantIsAClearError() throws Exception {
        Path set = TinyData.dataset(tmp.resolve("Tiny"), 1, 36, 40, 2, 5);
        String model = ExportCommandTest.model().toString();
        CliTest.Run r = CliTest.run("bench", "--model", model, "--data", set.toString(), "--rows", "tpu-int1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown bench row 'tpu-int1'"), r.err());
        r = CliTest.run("bench", "--model", model, "--data", set.toString(), "--rows", "java-fq");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("needs a quantized model (--quant)"), r.err());
    }

    /** Default rows: the cuda row joins where a GPU is usable; elsewhere one line says why it is skipped. */
    @Test void defaultRowsAddTheGpuRowOrSayWhyNot() throws Exception {
        assumeTrue(Backends.get("onednn").availability().available(), "onednn unavailable");
        Path set = TinyData.dataset(tmp.resolve("Tiny"), 1, 36, 40, 2, 5);
        Path json = tmp.resolve("bench.json");
        CliTest.Run r = CliTest.run("bench", "--model", ExportCommandTest.model().toString(), "--data", set.toString(),
                "--repeats", "1", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        List<String> rows = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonArray("rows").asList().stream()
                .map(e -> e.getAsJsonObject().get("backend").getAsString() + "/" + e.getAsJsonObject().get("precision").getAsString()).toList();
        String noGpu = adabm.backend.cuda.CudaInt8Plan.unavailableReason();
        if (noGpu != null) {
            assertEquals(List.of("onednn/float32"), rows);
            assertTrue(r.out().contains("GPU rows skipped: " + noGpu), r.out());
        } else {
            assertEquals(List.of("onednn/float32", "cuda/float32"), rows);
            assertTrue(r.out().contains("cuda/float32 last run: copy in"), r.out());
        }
    }

    private static double meanPsnr(JsonObject evalJson) {
        return evalJson.getAsJsonObject("mean").get("psnr").getAsDouble();
    }
}
