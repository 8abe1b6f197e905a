package adabm.cli;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.io.image.Images;
import adabm.tensor.Tensor;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stable command-line interface: commands, flags, outputs and exit codes. */
class CliTest {
    @TempDir Path tmp;

    record Run(int code, String out, String err) { }

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            return new Run(Main.run(args), out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test void everyCommandHasHelp() {
        java.util.Set<String> registered = new picocli.CommandLine(new Main()).getSubcommands().keySet();
        assertEquals(java.util.Set.of("demo", "upscale", "eval", "info", "downscale", "quantize", "compare", "bitmap", "export", "bench",
                "profile", "profile-worker"), registered);
        for (String cmd : registered) {
            Run r = run(cmd, "--help");
            assertEquals(0, r.code(), cmd);
            assertTrue(r.out().contains("Usage: adabm " + cmd), cmd + ": " + r.out());
        }
        Run top = run("--help");
        for (String cmd : registered)   // profile-worker is profile's hidden child-process command
            if (!cmd.equals("profile-worker")) assertTrue(top.out().contains(cmd), cmd + " in the top-level help: " + top.out());
    }

    @Test void infoPrintsParamsAndMacs() {
        Run r = run("info", "--model", TestData.model("carn_m_x4.onnx").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("parameters       294,147"), r.out());
        assertTrue(r.out().contains("MACs per LR px   563,904"), r.out());   // models.json macs_per_lr_px
    }

    @Test void evalWritesTheDocumentedJson() throws Exception {
        Path json = tmp.resolve("r.json");
        Run r = run("eval", "--model", TestData.model("esrgan_slim_x4.onnx").toString(), "--data",
                TestData.dataset("Set5").toString(), "--scale", "4", "--backend", "onednn", "--threads", "1", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        for (String k : new String[] {"model", "dataset", "scale", "backend", "mean", "images"}) assertTrue(o.has(k), k);
        assertEquals(5, o.getAsJsonArray("images").size());
        assertEquals("onednn", o.get("backend").getAsString());
        assertEquals(28.5954, o.getAsJsonObject("mean").get("psnr").getAsDouble(), 0.01);   // reference.json esrgan_slim_x4 Set5
        assertTrue(r.out().contains("MEAN"), r.out());
    }

    @Test void upscaleFileAndFolder() throws Exception {
        Path lrDir = TestData.dataset("Set5").resolve("LR_bicubic/X4");
        Path one = tmp.resolve("bird.png");
        String model = TestData.model("carn_m.pth").toString();
        assertEquals(0, run("upscale", "--model", model, "--scale", "4", lrDir.resolve("birdx4.png").toString(), one.toString()).code());
        Tensor sr = Images.read(one);
        assertEquals(288, sr.h);
        assertEquals(288, sr.w);
        Path outDir = tmp.resolve("out");
        Run r = run("upscale", "--model", model, "--scale", "4", "--tile", "40", lrDir.toString(), outDir.toString());
        assertEquals(0, r.code(), r.err());
        try (var s = Files.list(outDir)) { assertEquals(5, s.count()); }
    }

    @Test void downscaleMakesTheShippedLrFiles() throws Exception {
        Path hr = tmp.resolve("set/HR");
        Files.createDirectories(hr);
        Files.copy(TestData.dataset("Set5").resolve("HR/head.png"), hr.resolve("head.png"));
        assertEquals(0, run("downscale", "--hr", hr.toString(), "--scale", "3").code());
        Path made = tmp.resolve("set/LR_bicubic/X3/headx3.png");
        assertArrayEquals(Images.read(TestData.dataset("Set5").resolve("LR_bicubic/X3/headx3.png")).data, Images.read(made).data);
    }

    @Test void badInputGivesExitCodeOneAndAMessage() throws Exception {
        Path bogus = tmp.resolve("bogus.onnx");
        Files.writeString(bogus, "not a model");
        Run r = run("info", "--model", bogus.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bogus.onnx"), r.err());
        Run unknown = run("info", "--model", tmp.resolve("missing.onnx").toString());
        assertEquals(1, unknown.code());
        Run noBackend = run("eval", "--model", TestData.model("carn_m_x4.onnx").toString(), "--data", tmp.toString(), "--backend", "tpu");
        assertEquals(1, noBackend.code());
        assertTrue(noBackend.err().contains("tpu"), noBackend.err());
        assertEquals(2, run("eval", "--no-such-flag").code());
        Run wrongScale = run("info", "--model", TestData.model("carn_m_x4.onnx").toString(), "--scale", "2");
        assertEquals(1, wrongScale.code());
    }
}
