package adabm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.TestData;
import adabm.backend.cuda.CudaInt8Plan;
import adabm.backend.onednn.Int8Plan;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `adabm eval --quant FILE --backend onednn-int8`: the same JSON as the fake-quant evaluation (per-image FAB equal,
 * PSNR within 0.01 dB: the integer plan computes the same quantized network, ADABM.md §8), backend named
 * onednn-int8; and its bad-input errors.
 */
class EvalInt8CliTest {
    @TempDir Path tmp;

    static final String MODEL = QuantizeCliTest.MODEL;

    @Test void evalOnTheIntegerPlanGivesTheFakeQuantJson() throws Exception {
        assumeTrue(Int8Plan.unavailableReason() == null, "integer plan unavailable: " + Int8Plan.unavailableReason());
        QuantizeCliTest helper = new QuantizeCliTest();
        helper.tmp = tmp;
        Path art = tmp.resolve("edsr8.adabm.json");
        CliTest.Run q = CliTest.run(helper.quantizeArgs(art));
        assertEquals(0, q.code(), q.err());
        Path set = helper.tinySet(40);
        boolean gpu = CudaInt8Plan.unavailableReason() == null;  // the GPU plan too, where one runs
        String[] backends = gpu ? new String[] {"onednn", "onednn-int8", "cuda-int8"} : new String[] {"onednn", "onednn-int8"};
        JsonObject[] results = new JsonObject[backends.length];
        for (int k = 0; k < backends.length; k++) {
            Path json = tmp.resolve(backends[k] + ".json");
            CliTest.Run e = CliTest.run("eval", "--model", TestData.model(MODEL).toString(), "--data", set.toString(),
                    "--quant", art.toString(), "--backend", backends[k], "--threads", "1", "--json", json.toString());
            assertEquals(0, e.code(), e.err());
            results[k] = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        }
        assertEquals("onednn-int8", results[1].get("backend").getAsString());
        JsonArray fake = results[0].getAsJsonArray("images"), int8 = results[1].getAsJsonArray("images");
        assertEquals(fake.size(), int8.size());
        for (int i = 0; i < fake.size(); i++) {
            JsonObject a = fake.get(i).getAsJsonObject(), b = int8.get(i).getAsJsonObject();
            assertEquals(a.get("name").getAsString(), b.get("name").getAsString());
            assertEquals(a.get("fab").getAsDouble(), b.get("fab").getAsDouble(), 0);
            assertEquals(a.get("psnr").getAsDouble(), b.get("psnr").getAsDouble(), 0.01);
        }
        assertEquals(results[0].getAsJsonObject("mean").get("fab").getAsDouble(), results[1].getAsJsonObject("mean").get("fab").getAsDouble(), 0);
        if (gpu) {  // bit-identical outputs: identical PSNR, SSIM and FAB per image
            JsonArray cuda = results[2].getAsJsonArray("images");
            for (int i = 0; i < int8.size(); i++)
                for (String key : new String[] {"psnr", "ssim", "fab"})
                    assertEquals(int8.get(i).getAsJsonObject().get(key).getAsDouble(), cuda.get(i).getAsJsonObject().get(key).getAsDouble(), 0, key);
        }
    }

    @Test void theGpuIntegerBackendSaysWhyItIsUnavailable() throws Exception {
        assumeTrue(CudaInt8Plan.unavailableReason() != null, "a GPU runs here");
        QuantizeCliTest helper = new QuantizeCliTest();
        helper.tmp = tmp;
        CliTest.Run e = CliTest.run("eval", "--model", TestData.model(MODEL).toString(), "--data", helper.tinySet(40).toString(),
                "--quant", tmp.resolve("never-read.json").toString(), "--backend", "cuda-int8");
        assertEquals(1, e.code(), e.err());
        assertTrue(e.err().contains("cuda-int8 is unavailable: " + CudaInt8Plan.unavailableReason()), e.err());
    }

    @Test void theIntegerBackendNeedsAnArtifact() throws Exception {
        QuantizeCliTest helper = new QuantizeCliTest();
        helper.tmp = tmp;
        CliTest.Run e = CliTest.run("eval", "--model", TestData.model(MODEL).toString(), "--data", helper.tinySet(40).toString(),
                "--backend", "onednn-int8");
        assertEquals(1, e.code());
        assertTrue(e.err().contains("--quant"), e.err());
    }
}
