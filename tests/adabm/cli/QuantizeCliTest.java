package adabm.cli;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.eval.Bicubic;
import adabm.io.image.Images;
import adabm.quant.Fab;
import adabm.quant.LayerKind;
import adabm.quant.LayerRole;
import adabm.quant.QuantModel;
import adabm.quant.artifact.QuantArtifact;
import adabm.quant.train.FineTuner;
import adabm.quant.train.Stage;
import adabm.tensor.Tensor;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `adabm quantize` and `adabm eval --quant` end to end on EDSR-8 x2 (a tiny schedule on the Java kernels), and
 * their bad-input errors.
 */
class QuantizeCliTest {
    @TempDir Path tmp;

    static final String MODEL = "edsr_baseline8_x2.onnx";

    static CliTest.Run run(String... args) { return CliTest.run(args); }

    /** A two-image data set (HR crops of Set5, LR by MATLAB bicubic) small enough for the Java kernels. */
    Path tinySet(int hrSize) throws Exception {
        Path root = tmp.resolve("tiny");
        Files.createDirectories(root.resolve("HR"));
        Files.createDirectories(root.resolve("LR_bicubic/X2"));
        String[] names = {"baby", "butterfly"};
        for (String n : names) {
            Tensor hr = Images.read(TestData.dataset("Set5").resolve("HR/" + n + ".png"));
            Tensor crop = new Tensor(1, 3, hrSize, hrSize);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < hrSize; y++)
                    for (int x = 0; x < hrSize; x++) crop.data[crop.index(0, c, y, x)] = hr.get(0, c, 100 + y, 100 + x);
            Images.writePng(crop, root.resolve("HR/" + n + ".png"));
            Images.writePng(Bicubic.downscale(crop, 2), root.resolve("LR_bicubic/X2/" + n + "x2.png"));
        }
        return root;
    }

    String[] quantizeArgs(Path out, String... extra) {
        String[] base = {"quantize", "--model", TestData.model(MODEL).toString(), "--calib", TestData.dataset("Kodak24").toString(),
                "--scale", "2", "--patches", "2", "--patch-size", "12", "--epochs", "1", "--steps", "1", "--backend", "java",
                "--threads", "1", "--out", out.toString()};
        String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @Test void quantizeThenEvalQuant() throws Exception {
        Path art = tmp.resolve("edsr8.adabm.json");
        CliTest.Run q = run(quantizeArgs(art));
        assertEquals(0, q.code(), q.err());
        assertTrue(Files.isRegularFile(art));
        for (String s : new String[] {"seconds: patches", "calibration", "fine-tuning", "FAB on them", "layer offsets of 17 adaptive convs",
                "image map: tauLow", "wrote " + art})
            assertTrue(q.out().contains(s), "'" + s + "' in:\n" + q.out());
        assertTrue(q.err().contains("stage calibration") && q.err().contains("epoch 1/1") && q.err().contains("step 1/1"), q.err());
        QuantArtifact.Description d = QuantArtifact.describe(art);
        assertEquals(MODEL, d.source().file());
        assertEquals(2, d.settings().patches());
        assertEquals(12, d.settings().patchSize());
        assertTrue(d.provenance().calibration().folder().endsWith("Kodak24/LR_bicubic/X2"), d.provenance().calibration().folder());
        assertEquals(24, d.provenance().calibration().files());

        Path set = tinySet(40);
        Path json = tmp.resolve("eval.json");
        CliTest.Run e = run("eval", "--model", TestData.model(MODEL).toString(), "--data", set.toString(), "--quant", art.toString(),
                "--backend", "java", "--threads", "1", "--json", json.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("FAB") && e.out().contains("MEAN"), e.out());
        JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonArray images = o.getAsJsonArray("images");
        assertEquals(2, images.size());
        double mean = 0;
        QuantModel m = QuantArtifact.load(art, adabm.io.ModelLoader.load(TestData.model(MODEL), OptionalInt.empty()));
        for (int i = 0; i < 2; i++) {
            double fab = images.get(i).getAsJsonObject().get("fab").getAsDouble();
            String name = images.get(i).getAsJsonObject().get("name").getAsString();
            Tensor lr = Images.read(set.resolve("LR_bicubic/X2/" + name + "x2.png"));
            assertEquals(Fab.meanOver(m, java.util.List.of(lr)), fab, 1e-12, name);
            double complexity = images.get(i).getAsJsonObject().get("complexity").getAsDouble();
            assertEquals(adabm.quant.ImageComplexity.of(lr, 0), complexity, 1e-12, name);
            JsonArray offsets = images.get(i).getAsJsonObject().getAsJsonArray("offsets");
            assertEquals(1, offsets.size(), "whole-image mode: one offset");
            assertEquals(m.imageMap().offset(complexity), offsets.get(0).getAsInt(), name);
            assertEquals(m.fabFor(offsets.get(0).getAsInt()), fab, 1e-12, name);
            mean += fab / 2;
        }
        assertEquals(mean, o.getAsJsonObject("mean").get("fab").getAsDouble(), 1e-12);
        double psnr = o.getAsJsonObject("mean").get("psnr").getAsDouble();
        assertTrue(psnr > 20 && psnr < 50, "W4A4 EDSR-8 on real crops: " + psnr);

        Path pjson = tmp.resolve("patch.json");
        CliTest.Run p = run("eval", "--model", TestData.model(MODEL).toString(), "--data", set.toString(), "--quant", art.toString(),
                "--patch", "12", "--backend", "java", "--threads", "1", "--json", pjson.toString());
        assertEquals(0, p.code(), p.err());
        JsonObject po = JsonParser.parseString(Files.readString(pjson)).getAsJsonObject();
        assertTrue(po.getAsJsonObject("mean").has("fab"));
        for (var im : po.getAsJsonArray("images")) {
            JsonArray tiles = im.getAsJsonObject().getAsJsonArray("offsets");
            assertTrue(tiles.size() > 1, "patch mode: one offset per 12x12 tile of a 20x20 LR image");
            double tileFab = 0;
            for (var t : tiles) tileFab += m.fabFor(t.getAsInt()) / tiles.size();
            assertEquals(tileFab, im.getAsJsonObject().get("fab").getAsDouble(), 1e-12, "image FAB = mean over its tiles");
        }
        assertNotEquals(psnr, po.getAsJsonObject("mean").get("psnr").getAsDouble(), "tiles are zero-padded at their borders");
    }

    @Test void badInputIsExitCodeOneWithAMessage() throws Exception {
        Path out = tmp.resolve("a.json");
        CliTest.Run bits = run(quantizeArgs(out, "--w-bits", "9"));
        assertEquals(1, bits.code());
        assertTrue(bits.err().contains("9 bits") && bits.err().contains("2..8"), bits.err());
        CliTest.Run abits = run(quantizeArgs(out, "--a-bits", "1"));
        assertEquals(1, abits.code());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        CliTest.Run e = run(replace(quantizeArgs(out), "--calib", empty.toString()));
        assertEquals(1, e.code());
        assertTrue(e.err().contains("empty"), e.err());

        Path junk = Files.createDirectories(tmp.resolve("junk"));
        Files.writeString(junk.resolve("notes.txt"), "not an image");
        CliTest.Run j = run(replace(quantizeArgs(out), "--calib", junk.toString()));
        assertEquals(1, j.code());
        assertTrue(j.err().contains("notes.txt"), j.err());

        Path small = Files.createDirectories(tmp.resolve("small"));
        Images.writePng(new Tensor(1, 3, 10, 12), small.resolve("tiny.png"));
        CliTest.Run s = run(replace(quantizeArgs(out), "--calib", small.toString()));
        assertEquals(1, s.code());
        assertTrue(s.err().contains("tiny.png") && s.err().contains("smaller than"), s.err());

        CliTest.Run dir = run(quantizeArgs(tmp.resolve("no/such/dir/a.json")));
        assertEquals(1, dir.code());
        assertTrue(dir.err().contains("does not exist"), dir.err());

        CliTest.Run method = run(quantizeArgs(out, "--method", "magic"));
        assertEquals(1, method.code());
        assertTrue(method.err().contains("magic"), method.err());

        CliTest.Run noScale = run(replace(replace(quantizeArgs(out), "--calib", tinySet(40).toString()), "--scale", "3"));
        assertEquals(1, noScale.code());
        assertFalse(Files.exists(out), "nothing written on failure");
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary files");
        }

        CliTest.Run patchOnly = run("eval", "--model", TestData.model(MODEL).toString(), "--data", tmp.toString(), "--patch", "96");
        assertEquals(1, patchOnly.code());
        assertTrue(patchOnly.err().contains("--quant"), patchOnly.err());
    }

    /** --role and --kind overrides reach the artifact's spec and layers; a bad name or a pattern matching nothing is refused. */
    @Test void roleAndKindOverridesByNamePattern() throws Exception {
        Path art = tmp.resolve("over.json");
        CliTest.Run q = run(quantizeArgs(art, "--no-ft", "--method", "minmax", "--kind", "regex:body\\.[01]\\.conv1=fixed_base",
                "--role", "body.8=last", "--kind", "body.1.conv1=FLOAT"));
        assertEquals(0, q.code(), q.err());
        QuantModel m = QuantArtifact.load(art, adabm.io.ModelLoader.load(TestData.model(MODEL), OptionalInt.empty()));
        assertEquals(LayerKind.FIXED_BASE, m.layer("body.0.conv1").kind());
        assertEquals(LayerKind.FLOAT, m.layer("body.1.conv1").kind(), "later pattern wins");
        assertEquals(LayerRole.LAST, m.layer("body.8").role());
        assertEquals(LayerKind.FIXED8, m.layer("body.8").kind());
        assertEquals(LayerKind.ADAPTIVE, m.layer("body.2.conv1").kind());

        Path bad = tmp.resolve("bad.json");
        CliTest.Run kind = run(quantizeArgs(bad, "--kind", "body.*=eight"));
        assertEquals(1, kind.code());
        assertTrue(kind.err().contains("--kind body.*=eight") && kind.err().contains("fixed_base"), kind.err());
        CliTest.Run role = run(quantizeArgs(bad, "--role", "body.8=tail"));
        assertEquals(1, role.code());
        assertTrue(role.err().contains("--role body.8=tail") && role.err().contains("upsampler"), role.err());
        CliTest.Run none = run(quantizeArgs(bad, "--kind", "bdy.*=float"));
        assertEquals(1, none.code());
        assertTrue(none.err().contains("bdy.*") && none.err().contains("matches no conv"), none.err());
        assertFalse(Files.exists(bad));
    }

    @Test void anArtifactForAnotherModelIsRefusedByEval() throws Exception {
        Path art = tmp.resolve("edsr8.adabm.json");
        assertEquals(0, run(quantizeArgs(art, "--no-ft", "--method", "minmax")).code());
        CliTest.Run r = run("eval", "--model", TestData.model("carn_m_x2.onnx").toString(), "--data", tinySet(40).toString(),
                "--quant", art.toString(), "--backend", "java");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("edsr8.adabm.json") && r.err().contains(MODEL) && r.err().contains("carn_m_x2.onnx")
                && r.err().contains("digest"), r.err());
        Files.writeString(art, Files.readString(art).substring(0, 300));
        CliTest.Run t = run("eval", "--model", TestData.model(MODEL).toString(), "--data", tinySet(40).toString(), "--quant", art.toString());
        assertEquals(1, t.code());
        assertTrue(t.err().contains("truncated"), t.err());
    }

    @Test void progressIsOneRedrawnLineOnATerminalAndPlainLinesInALog() {
        ByteArrayOutputStream term = new ByteArrayOutputStream(), log = new ByteArrayOutputStream();
        QuantizeProgress t = new QuantizeProgress(new PrintStream(term, true), 2, 5, true, 2);
        QuantizeProgress l = new QuantizeProgress(new PrintStream(log, true), 2, 5, false, 2);
        for (QuantizeProgress p : new QuantizeProgress[] {t, l}) {
            p.stage("calibration");
            p.stage("fine-tuning");
            for (int e = 1; e <= 2; e++)
                for (int s = 1; s <= 5; s++)
                    p.step(new FineTuner.StepReport(e, s, Stage.ofEpoch(e), 0.5, 0.4, 0.1, 0, 4.25, 1, 0.01));
        }
        String ts = term.toString(), ls = log.toString();
        assertEquals(10, ts.chars().filter(ch -> ch == '\r').count(), ts);
        assertTrue(ts.contains("epoch 2/2 (a) step 5/5  loss 0.50000  FAB 4.25  ETA"), ts);
        assertEquals(0, ls.chars().filter(ch -> ch == '\r').count());
        // steps 2, 4 and 5 of each epoch
        assertEquals(6, ls.lines().filter(x -> x.startsWith("fine-tuning epoch")).count(), ls);
    }

    static String[] replace(String[] args, String flag, String value) {
        String[] out = args.clone();
        for (int i = 0; i < out.length - 1; i++) if (out[i].equals(flag)) out[i + 1] = value;
        return out;
    }
}
