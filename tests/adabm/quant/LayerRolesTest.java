package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.TestData;
import adabm.graph.Graph;
import adabm.io.torch.TorchModels;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Roles derived from graph structure equal models.json's hand-written roles; kinds per mode; overrides. */
class LayerRolesTest {
    static JsonObject models() throws Exception {
        return JsonParser.parseString(Files.readString(TestData.model("models.json"))).getAsJsonObject();
    }

    static Map<String, List<String>> expectedRoles(JsonObject entry) {
        Map<String, List<String>> m = new TreeMap<>();
        JsonObject roles = entry.getAsJsonObject("roles");
        for (String r : roles.keySet()) {
            List<String> names = new ArrayList<>();
            for (JsonElement e : roles.getAsJsonArray(r)) names.add(e.getAsString());
            m.put(r, sorted(names));
        }
        return m;
    }

    /** Role membership is what matters; models.json lists some roles in module order, not graph order. */
    static List<String> sorted(List<String> names) { return names.stream().sorted().toList(); }

    static Map<String, List<String>> derived(Graph g) {
        LayerRoles roles = LayerRoles.derive(g);
        Map<String, List<String>> m = new TreeMap<>();
        for (LayerRole r : LayerRole.values()) m.put(r.jsonName(), sorted(roles.withRole(r)));
        return m;
    }

    @ParameterizedTest
    @CsvSource({"edsr_baseline8_x2.pt, 2, edsr_baseline8_x2", "edsr_baseline8_x2_adabm_layout.pt, 2, edsr_baseline8_x2",
            "carn_x2.pth, 2, carn_x2", "carn_m.pth, 2, carn_m_x2", "carn_m.pth, 3, carn_m_x3", "carn_m.pth, 4, carn_m_x4"})
    void torchGraphsMatchModelsJson(String file, int scale, String model) throws Exception {
        Graph g = TorchModels.load(TestData.model(file), OptionalInt.of(scale));
        assertEquals(expectedRoles(models().getAsJsonObject(model)), derived(g), model);
    }

    /** ONNX-only models, through the ONNX importer when it is on the class path (it lands on another branch). */
    @ParameterizedTest
    @ValueSource(strings = {"edsr_baseline8_x2", "wdsr_b8_x4", "srresnet8_x4", "carn_x2", "carn_m_x4", "rdn_psnr_small_x2",
            "esrgan_slim_x2", "esrgan_slim_x4"})
    void onnxGraphsMatchModelsJson(String model) throws Exception {
        Class<?> importer;
        try {
            importer = Class.forName("adabm.io.onnx.OnnxImporter");
        } catch (ClassNotFoundException e) {
            assumeTrue(false, "no ONNX importer on this branch");
            return;
        }
        JsonObject entry = models().getAsJsonObject(model);
        Graph g = (Graph) importer.getMethod("load", Path.class).invoke(null, TestData.model(entry.get("onnx").getAsString()));
        assertEquals(expectedRoles(entry), derived(g), model);
        if (model.startsWith("rdn"))
            for (String n : LayerRoles.derive(g).localFusion()) assertTrue(n.startsWith("LFF_"), n);
    }

    @Test
    void syntheticRdn_sfeConvsFirst_lffFixedBase() {
        Graph g = TorchModels.load(TestData.model("synthetic/rdn_small_x4.pt"), OptionalInt.empty());
        LayerRoles roles = LayerRoles.derive(g);
        assertEquals(List.of("F_m1", "F_0"), roles.withRole(LayerRole.FIRST));
        assertEquals(List.of("UPN1", "UPN2"), roles.withRole(LayerRole.UPSAMPLER));
        assertEquals(List.of("SR"), roles.withRole(LayerRole.LAST));
        assertEquals(Set.of("LFF_1", "LFF_2"), roles.localFusion());
        assertEquals(List.of("LRL_1", "LRL_2"), roles.residualTaps());

        QuantModel fq = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
        assertEquals(LayerKind.FIXED8, fq.layer("F_0").kind());
        assertEquals(LayerKind.FIXED8, fq.layer("UPN2").kind());
        assertEquals(LayerKind.FIXED_BASE, fq.layer("LFF_1").kind());
        assertEquals(LayerKind.ADAPTIVE, fq.layer("GFF_1").kind());
        assertEquals(LayerKind.ADAPTIVE, fq.layer("F_1_1").kind());
        assertEquals(8, fq.layer("SR").weightBits());
        assertEquals(4, fq.layer("F_1_1").weightBits());
        QuantModel body = QuantModel.create(g, new QuantSpec(8, 6, QuantMode.BODY));
        assertEquals(LayerKind.FLOAT, body.layer("F_m1").kind());
        assertEquals(LayerKind.FLOAT, body.layer("SR").kind());
        assertEquals(LayerKind.FIXED_BASE, body.layer("LFF_2").kind());
        assertEquals(6, body.layer("LFF_2").baseActivationBits());
    }

    @Test
    void syntheticSrResNetAndEdsrTaps() {
        Graph g = TorchModels.load(TestData.model("synthetic/srresnet_small_x4.pt"), OptionalInt.empty());
        LayerRoles roles = LayerRoles.derive(g);
        assertEquals(List.of("head.0"), roles.withRole(LayerRole.FIRST));
        assertEquals(List.of("body.0.conv1", "body.0.conv2", "body.1.conv1", "body.1.conv2", "body.2"), roles.withRole(LayerRole.BODY));
        assertEquals(List.of("tail.0.0", "tail.0.3"), roles.withRole(LayerRole.UPSAMPLER));
        assertEquals(List.of("tail.1"), roles.withRole(LayerRole.LAST));
        assertEquals(List.of("body.0.add", "body.1.add"), roles.residualTaps(), "the global skip is not a block tap");
        assertTrue(roles.localFusion().isEmpty());

        Graph edsr = TorchModels.load(TestData.model("edsr_baseline8_x2.pt"), OptionalInt.empty());
        List<String> taps = LayerRoles.derive(edsr).residualTaps();
        assertEquals(8, taps.size());
        for (int i = 0; i < 8; i++) assertEquals("body." + i + ".add", taps.get(i));
    }

    /**
     * CARN's cascading 1x1 convs (over a Concat, into a ReLU; in each block and at the top) are cascade fusion convs:
     * W8A8 in both modes, out of FAB. The block's own convs stay adaptive.
     */
    @Test
    void carnCascadeConvsAreFusionConvsAtW8A8() {
        Graph g = TorchModels.load(TestData.model("carn_m.pth"), OptionalInt.of(4));
        LayerRoles roles = LayerRoles.derive(g);
        List<String> expected = new ArrayList<>();
        for (int b = 1; b <= 3; b++) {
            for (int c = 1; c <= 3; c++) expected.add("b" + b + ".c" + c + ".body.0");
            expected.add("c" + b + ".body.0");
        }
        assertEquals(sorted(expected), sorted(List.copyOf(roles.cascadeFusion())));
        assertTrue(roles.localFusion().isEmpty());
        for (String n : expected) assertEquals(LayerRole.BODY, roles.role(n), n);

        QuantModel fq = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
        QuantModel body = QuantModel.create(g, new QuantSpec(8, 6, QuantMode.BODY));
        for (String n : expected) {
            assertEquals(LayerKind.FIXED8, fq.layer(n).kind(), n);
            assertEquals(8, fq.layer(n).weightBits(), n);
            assertEquals(LayerKind.FIXED8, body.layer(n).kind(), n);
        }
        assertEquals(LayerKind.ADAPTIVE, fq.layer("b1.b1#1.body.0").kind());
        assertEquals(LayerKind.ADAPTIVE, body.layer("b3.b1#3.body.4").kind());
        long counted = fq.layers().stream().filter(q -> q.kind().countedInFab()).count();
        assertEquals(g.convs().size() - expected.size() - 4, counted, "FAB counts the body convs but the cascade, head and tail");

        QuantModel asBefore = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ, Map.of(),
                Map.of("regex:(b[0-9]\\.)?c[0-9]\\.body\\.0", LayerKind.ADAPTIVE)));
        for (String n : expected) assertEquals(LayerKind.ADAPTIVE, asBefore.layer(n).kind(), n);
    }

    @Test
    void overridesByGlobAndRegex() {
        Graph g = TorchModels.load(TestData.model("edsr_baseline8_x2.pt"), OptionalInt.empty());
        Map<String, LayerRole> roleOv = new LinkedHashMap<>();
        roleOv.put("body.8", LayerRole.LAST);
        Map<String, LayerKind> kindOv = new LinkedHashMap<>();
        kindOv.put("body.?.conv1", LayerKind.FIXED_BASE);
        kindOv.put("regex:body\\.[0-3]\\.conv1", LayerKind.FLOAT);
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ, roleOv, kindOv));
        assertEquals(LayerRole.LAST, m.layer("body.8").role());
        assertEquals(LayerKind.FIXED8, m.layer("body.8").kind());
        assertEquals(LayerKind.FLOAT, m.layer("body.2.conv1").kind(), "later pattern wins");
        assertEquals(LayerKind.FIXED_BASE, m.layer("body.5.conv1").kind());
        assertEquals(LayerKind.ADAPTIVE, m.layer("body.5.conv2").kind());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ, Map.of(), Map.of("bdy.*", LayerKind.FLOAT))));
        assertTrue(e.getMessage().contains("bdy.*"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> m.layer("nope"));
        assertTrue(NamePattern.of("glob:a.*").matches("a.b.c"));
        assertFalse(NamePattern.of("a.*").matches("axb"), "a glob dot is literal");
    }
}
