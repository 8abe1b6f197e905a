package adabm.quant.artifact;

import static org.junit.jupiter.api.Assertions.*;

import adabm.AdabmException;
import adabm.ModelFormatException;
import adabm.TestGraphs;
import adabm.graph.Graph;
import adabm.graph.GraphDigest;
import adabm.quant.*;
import adabm.quant.pipeline.QuantPipeline;
import adabm.tensor.Tensor;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The artifact file: a saved and reloaded model computes exactly the same outputs and FAB as the original; the
 * write is atomic; truncated, edited, foreign-model and out-of-range files are rejected with typed errors that
 * name the file and the field.
 */
class QuantArtifactTest {
    @TempDir Path tmp;

    static Graph graph() { return TestGraphs.tinyEdsr(4, 2, 2, 31); }

    static Tensor batch() {
        Tensor a = TestGraphs.image(12, 10, 7), b = TestGraphs.image(12, 10, 8);
        for (int i = 0; i < b.data.length; i++) b.data[i] = 0.4f * b.data[i] + 60;   // smoother: another image offset
        return Calibrator.stack(List.of(a, b));
    }

    /** AdaBM-calibrated, then every parameter moved to an arbitrary non-round float, logits off the integers. */
    static QuantModel calibrated(Graph g, QuantSpec spec) {
        QuantModel m = QuantModel.create(g, spec);
        List<Tensor> patches = new ArrayList<>();
        for (int i = 0; i < 6; i++) patches.add(TestGraphs.image(10, 10, 40 + i));
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) { Calibrator.calibrate(r, patches, CalibrationMethod.ADABM); }
        float[] logits = {0.93f, -0.61f, 0.2f, 1.7f, -2.3f};
        int i = 0;
        for (LayerQuant q : m.layers()) {
            if (q.kind().quantized()) {
                q.setActivationBounds(q.lower() - 0.01234567f * (q.upper() - q.lower()), q.upper() * 0.9876543f);
                q.setWeightBound(q.weightBound() * 0.97531f);
            }
            if (q.kind() == LayerKind.ADAPTIVE) q.setLayerLogit(logits[i++ % logits.length]);
        }
        Tensor b = batch();
        double c0 = ImageComplexity.of(b, 0), c1 = ImageComplexity.of(b, 1);
        m.imageMap().enable(Math.min(c0, c1) + 0.1 * Math.abs(c0 - c1), Math.max(c0, c1) - 0.1 * Math.abs(c0 - c1));
        return m;
    }

    static QuantArtifact.Description description(Graph g, QuantSpec spec) {
        QuantPipeline.Settings s = QuantPipeline.Settings.defaults(g, spec, CalibrationMethod.ADABM).withPatches(6, 10).withSeed(5);
        return new QuantArtifact.Description(QuantArtifact.Source.of(g, "tiny.onnx"), s,
                new QuantArtifact.Provenance("adabm test", "2026-01-01T00:00:00Z", new CalibrationSource("/data/calib", 6, "sha256:00"),
                        0.5, 1.25, 3.0, 4.0833333333333333));
    }

    static FakeQuantRunner.Forward run(QuantModel m) {
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) { return r.run(batch(), ForwardHooks.NONE); }
    }

    Path save(QuantModel m) {
        Path f = tmp.resolve("model.adabm.json");
        QuantArtifact.write(f, m, description(m.graph(), m.spec()));
        return f;
    }

    @Test void roundTripReproducesOutputsAndFabBitForBit() {
        QuantSpec[] specs = {new QuantSpec(4, 4, QuantMode.FQ), new QuantSpec(6, 5, QuantMode.BODY),
                new QuantSpec(3, 4, QuantMode.FQ, Map.of("tail.*", LayerRole.UPSAMPLER), Map.of("body.1.conv2", LayerKind.FIXED_BASE))};
        for (QuantSpec spec : specs) {
            QuantModel m = calibrated(graph(), spec);
            FakeQuantRunner.Forward before = run(m);
            Path f = save(m);
            // a separately built, equal graph: the artifact binds to content, not to the object
            QuantArtifact.Loaded loaded = QuantArtifact.read(f, graph(), "tiny.onnx");
            QuantModel back = loaded.model();
            FakeQuantRunner.Forward after = run(back);
            assertArrayEquals(before.output().data, after.output().data, spec.toString());
            assertArrayEquals(before.fab(), after.fab(), spec.toString());
            assertArrayEquals(before.imageOffsets(), after.imageOffsets(), spec.toString());
            assertNotEquals(before.imageOffsets()[0], before.imageOffsets()[1], "the two images use different offsets");
            assertEquals(m.spec(), back.spec());
            List<LayerQuant> a = List.copyOf(m.layers()), b = List.copyOf(back.layers());
            for (int i = 0; i < a.size(); i++) {
                assertEquals(a.get(i).kind(), b.get(i).kind());
                assertEquals(Float.floatToRawIntBits(a.get(i).lower()), Float.floatToRawIntBits(b.get(i).lower()), a.get(i).name());
                assertEquals(Float.floatToRawIntBits(a.get(i).upper()), Float.floatToRawIntBits(b.get(i).upper()), a.get(i).name());
                assertEquals(Float.floatToRawIntBits(a.get(i).weightBound()), Float.floatToRawIntBits(b.get(i).weightBound()));
                assertEquals(Float.floatToRawIntBits(a.get(i).layerLogit()), Float.floatToRawIntBits(b.get(i).layerLogit()));
            }
            assertEquals(m.imageMap().tauLow(), back.imageMap().tauLow());
            assertEquals(m.imageMap().tauHigh(), back.imageMap().tauHigh());
            assertEquals(description(m.graph(), spec), loaded.description());
            assertEquals(description(m.graph(), spec), QuantArtifact.describe(f));
        }
        QuantModel body = QuantArtifact.load(save(calibrated(graph(), new QuantSpec(6, 5, QuantMode.BODY))), graph());
        assertFalse(body.layer("head.0").calibrated(), "float layers stay unset");
    }

    @Test void awkwardFloatsRoundTripExactly() {
        QuantModel m = calibrated(graph(), new QuantSpec(4, 4, QuantMode.FQ));
        float[] values = {Float.MIN_VALUE, 1.0e-30f, 0.1f, 1f / 3, 16777217f, 3.4e38f, Math.nextUp(1f)};
        LayerQuant q = m.layer("body.0.conv1");
        for (float v : values) {
            q.setActivationBounds(-v, v);
            q.setWeightBound(v);
            q.setLayerLogit(-v);
            QuantModel back = QuantArtifact.load(save(m), graph());
            LayerQuant r = back.layer("body.0.conv1");
            assertEquals(Float.floatToRawIntBits(-v), Float.floatToRawIntBits(r.lower()), "l = " + v);
            assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(r.upper()), "u = " + v);
            assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(r.weightBound()), "uw = " + v);
            assertEquals(Float.floatToRawIntBits(-v), Float.floatToRawIntBits(r.layerLogit()), "m = " + v);
        }
    }

    @Test void theFileIsSelfDescribingJson() throws Exception {
        Path f = save(calibrated(graph(), new QuantSpec(4, 4, QuantMode.FQ)));
        JsonObject root = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
        assertEquals("adabm-quant-artifact", root.get("format").getAsString());
        assertEquals(1, root.get("version").getAsInt());
        JsonObject a = root.getAsJsonObject("artifact");
        assertEquals(GraphDigest.of(graph()), a.getAsJsonObject("source").get("digest").getAsString());
        assertEquals("tiny.onnx", a.getAsJsonObject("source").get("file").getAsString());
        assertEquals(graph().convs().size(), a.getAsJsonArray("layers").size());
        JsonObject head = a.getAsJsonArray("layers").get(0).getAsJsonObject();
        assertEquals("head.0", head.get("name").getAsString());
        assertEquals("first", head.get("role").getAsString());
        assertEquals("fixed8", head.get("kind").getAsString());
        assertEquals(8, head.get("weightBits").getAsInt());
        for (String k : new String[] {"l", "u", "uw", "layerLogit"}) assertTrue(head.has(k), k);
        assertEquals(50.0, a.getAsJsonObject("settings").getAsJsonObject("fineTuning").get("lambdaBit").getAsDouble());
        assertEquals("/data/calib", a.getAsJsonObject("provenance").getAsJsonObject("calibrationData").get("folder").getAsString());
        assertEquals(3.0, a.getAsJsonObject("provenance").getAsJsonObject("seconds").get("fineTuning").getAsDouble());
    }

    @Test void weightBoundSpaceIsRecordedAndOlderFilesReadAsLinear() throws Exception {
        Path f = save(calibrated(graph(), new QuantSpec(4, 4, QuantMode.FQ)));
        assertTrue(QuantArtifact.read(f, graph(), "tiny.onnx").description().settings().fineTuning().logWeightBounds(), "the default");
        edit(f, a -> a.getAsJsonObject("settings").getAsJsonObject("fineTuning").remove("logWeightBounds"));
        assertFalse(QuantArtifact.read(f, graph(), "tiny.onnx").description().settings().fineTuning().logWeightBounds(),
                "written before the option: ADABM.md's linear steps");
        assertRejected(a -> a.getAsJsonObject("settings").getAsJsonObject("fineTuning").addProperty("logWeightBounds", 3), "logWeightBounds");
    }

    @Test void aFailedWriteLeavesNoTemporaryFileAndKeepsTheOldFile() throws Exception {
        QuantModel m = calibrated(graph(), new QuantSpec(4, 4, QuantMode.FQ));
        Path dir = tmp.resolve("taken");
        Files.createDirectories(dir.resolve("inside"));   // a non-empty directory: the final rename must fail
        AdabmException e = assertThrows(AdabmException.class, () -> QuantArtifact.write(dir, m, description(m.graph(), m.spec())));
        assertTrue(e.getMessage().contains("taken") && e.getMessage().contains("directory"), e.getMessage());
        try (Stream<Path> s = Files.list(tmp)) { assertEquals(List.of(dir), s.toList(), "no temporary file left behind"); }

        Path f = save(m);
        byte[] first = Files.readAllBytes(f);
        QuantModel other = calibrated(graph(), new QuantSpec(4, 4, QuantMode.FQ));
        other.layer("body.0.conv1").setWeightBound(0.123f);
        Path f2 = save(other);
        assertEquals(f, f2);
        assertFalse(Arrays.equals(first, Files.readAllBytes(f)), "an existing file is replaced");
        try (Stream<Path> s = Files.list(tmp)) { assertEquals(2, s.count(), "only 'taken' and the artifact: " + tmp); }

        assertThrows(AdabmException.class, () -> QuantArtifact.write(tmp.resolve("no/such/dir/a.json"), m, description(m.graph(), m.spec())));
        QuantModel raw = QuantModel.create(graph(), new QuantSpec(4, 4, QuantMode.FQ));
        IllegalArgumentException ne = assertThrows(IllegalArgumentException.class,
                () -> QuantArtifact.write(tmp.resolve("raw.json"), raw, description(raw.graph(), raw.spec())));
        assertTrue(ne.getMessage().contains("not calibrated"), ne.getMessage());
        assertFalse(Files.exists(tmp.resolve("raw.json")));
    }

    @Test void truncatedFilesAreRejectedAtEveryLength() throws Exception {
        Path f = save(calibrated(graph(), new QuantSpec(4, 4, QuantMode.FQ)));
        byte[] all = Files.readAllBytes(f);
        Path cut = tmp.resolve("cut.json");
        int last = new String(all, java.nio.charset.StandardCharsets.UTF_8).lastIndexOf('}');
        int[] lengths = {0, 1, 10, all.length / 4, all.length / 2, all.length - 200, last};
        for (int len : lengths) {
            Files.write(cut, Arrays.copyOf(all, len));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> QuantArtifact.load(cut, graph()), "length " + len);
            assertTrue(e.getMessage().contains("cut.json"), e.getMessage());
        }
        assertThrows(ModelFormatException.class, () -> QuantArtifact.load(tmp.resolve("missing.json"), graph()));
        Files.write(cut, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        assertThrows(ModelFormatException.class, () -> QuantArtifact.load(cut, graph()));
    }

    @Test void anEditedValueFailsTheChecksum() throws Exception {
        Path f = save(calibrated(graph(), new QuantSpec(4, 4, QuantMode.FQ)));
        String text = Files.readString(f);
        String edited = text.replaceFirst("\"weightBits\": 8", "\"weightBits\": 7");
        assertNotEquals(text, edited);
        Files.writeString(f, edited);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> QuantArtifact.load(f, graph()));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test void wrongFormatOrVersionIsNamed() throws Exception {
        Path f = save(calibrated(graph(), new QuantSpec(4, 4, QuantMode.FQ)));
        String text = Files.readString(f);
        Files.writeString(f, text.replace("\"version\": 1,", "\"version\": 2,"));
        ModelFormatException v = assertThrows(ModelFormatException.class, () -> QuantArtifact.load(f, graph()));
        assertTrue(v.getMessage().contains("version 2") && v.getMessage().contains("reads version 1"), v.getMessage());
        Files.writeString(f, text.replace("adabm-quant-artifact", "something-else"));
        ModelFormatException m = assertThrows(ModelFormatException.class, () -> QuantArtifact.load(f, graph()));
        assertTrue(m.getMessage().contains("not an adabm quantized-model artifact"), m.getMessage());
        Files.writeString(f, "[1, 2, 3]");
        assertThrows(ModelFormatException.class, () -> QuantArtifact.load(f, graph()));
    }

    @Test void anArtifactOfAnotherModelNamesBothDigests() {
        Path f = save(calibrated(graph(), new QuantSpec(4, 4, QuantMode.FQ)));
        Graph other = TestGraphs.tinyEdsr(4, 2, 2, 32);   // same structure, other weights
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> QuantArtifact.read(f, other, "other.onnx"));
        assertTrue(e.getMessage().contains(GraphDigest.of(graph())), e.getMessage());
        assertTrue(e.getMessage().contains(GraphDigest.of(other)), e.getMessage());
        assertTrue(e.getMessage().contains("tiny.onnx") && e.getMessage().contains("other.onnx"), e.getMessage());
    }

    /** Rewrites one field of the artifact and re-signs it, to reach the checks behind the checksum. */
    void edit(Path f, Consumer<JsonObject> change) throws Exception {
        JsonObject root = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
        change.accept(root.getAsJsonObject("artifact"));
        root.addProperty("checksum", QuantArtifact.checksum(root.getAsJsonObject("artifact")));
        Files.writeString(f, new GsonBuilder().setPrettyPrinting().create().toJson(root));
    }

    static JsonObject layer(JsonObject a, int i) { return a.getAsJsonArray("layers").get(i).getAsJsonObject(); }

    void assertRejected(Consumer<JsonObject> change, String... fragments) throws Exception {
        Path f = save(calibrated(graph(), new QuantSpec(4, 4, QuantMode.FQ)));
        edit(f, change);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> QuantArtifact.load(f, graph()));
        assertTrue(e.getMessage().contains(f.getFileName().toString()), e.getMessage());
        for (String s : fragments) assertTrue(e.getMessage().contains(s), "'" + s + "' in: " + e.getMessage());
    }

    /**
     * A CARN-M artifact from before cascade convs became fixed8 (all adaptive, no override in its spec) is refused with
     * a hint on what changed; written with the --kind override that keeps them adaptive, it loads.
     */
    @Test void oldCarnArtifactWithAdaptiveCascadeConvsIsRefusedWithAHint() throws Exception {
        Graph carn = adabm.io.torch.TorchModels.load(adabm.TestData.model("carn_m.pth"), OptionalInt.of(2));
        QuantSpec keepOld = new QuantSpec(4, 4, QuantMode.FQ, Map.of(),
                Map.of("regex:(b[0-9]\\.)?c[0-9]\\.body\\.0", LayerKind.ADAPTIVE));
        Path f = save(calibrated(carn, keepOld));
        assertEquals(LayerKind.ADAPTIVE, QuantArtifact.load(f, carn).layer("b1.c1.body.0").kind());
        edit(f, a -> a.getAsJsonObject("spec").add("kindOverrides", new JsonObject()));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> QuantArtifact.load(f, carn));
        for (String s : List.of("kind", "b1.c1.body.0", "fixed8", "cascade fusion convs", "--kind"))
            assertTrue(e.getMessage().contains(s), "'" + s + "' in: " + e.getMessage());

        Path edsr = save(calibrated(graph(), new QuantSpec(4, 4, QuantMode.FQ)));
        edit(edsr, a -> layer(a, 0).addProperty("kind", "adaptive"));
        ModelFormatException other = assertThrows(ModelFormatException.class, () -> QuantArtifact.load(edsr, graph()));
        assertFalse(other.getMessage().contains("cascade"), "the hint is for cascade convs only: " + other.getMessage());
    }

    @Test void fieldChecksNameTheField() throws Exception {
        // sanity: a re-signed, unchanged file loads
        Path ok = save(calibrated(graph(), new QuantSpec(4, 4, QuantMode.FQ)));
        edit(ok, a -> { });
        assertNotNull(QuantArtifact.load(ok, graph()));

        assertRejected(a -> a.getAsJsonObject("spec").addProperty("weightBits", 9), "spec.weightBits", "9 bits", "2..8");
        assertRejected(a -> a.getAsJsonObject("spec").addProperty("activationBits", 1), "spec.activationBits");
        assertRejected(a -> layer(a, 2).addProperty("activationBits", 12), "layers[2].activationBits", "2..8");
        assertRejected(a -> layer(a, 2).addProperty("activationBits", 5), "layers[2].activationBits", "spec gives");
        assertRejected(a -> layer(a, 0).addProperty("kind", "adaptive"), "layers[0].kind", "fixed8");
        assertRejected(a -> layer(a, 0).addProperty("kind", "int3"), "layers[0].kind", "not a layer kind");
        assertRejected(a -> layer(a, 1).addProperty("name", "body.0.convX"), "layers[1].name", "body.0.conv1");
        assertRejected(a -> layer(a, 1).remove("u"), "layers[1].u", "missing", "required");
        assertRejected(a -> layer(a, 1).addProperty("u", -1e6), "layers[1]", "l < u");
        assertRejected(a -> layer(a, 1).addProperty("uw", "big"), "layers[1].uw", "number");
        assertRejected(a -> a.getAsJsonArray("layers").remove(3), "layers", "graph tiny-edsr has");
        assertRejected(a -> a.getAsJsonObject("spec").addProperty("mode", "int"), "spec.mode");
        assertRejected(a -> a.getAsJsonObject("spec").getAsJsonObject("kindOverrides").addProperty("nothing.*", "float"), "spec", "matches no conv");
        assertRejected(a -> a.getAsJsonObject("imageMap").addProperty("tauLow", 1e9), "imageMap", "tauLow <= tauHigh");
        assertRejected(a -> a.getAsJsonObject("settings").getAsJsonObject("fineTuning").addProperty("epochs", -1), "settings");
        assertRejected(a -> a.remove("source"), "source", "missing");
    }
}
