package adabm.io.onnx;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.graph.Graph;
import adabm.graph.Op;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every shipped ONNX model imports, and its structure matches the independent index models.json. */
class SharedModelsImportTest {
    static Stream<String> models() throws IOException {
        try (Stream<Path> files = Files.list(TestData.shared().resolve("models"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".onnx")).sorted().toList();
            assertFalse(names.isEmpty(), "no .onnx files in shared/models");
            return names.stream().map(n -> n.substring(0, n.length() - 5));
        }
    }

    static JsonObject index(String model) throws IOException {
        JsonObject all = JsonParser.parseString(Files.readString(TestData.model("models.json"))).getAsJsonObject();
        assertTrue(all.has(model), model + " is missing from models.json");
        return all.getAsJsonObject(model);
    }

    @ParameterizedTest @MethodSource("models")
    void opCountsMatchIndex(String model) throws IOException {
        Graph g = OnnxImporter.load(TestData.model(model + ".onnx"));
        JsonObject ops = index(model).getAsJsonObject("ops");
        Map<String, Integer> onnx = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : ops.entrySet()) onnx.put(e.getKey(), e.getValue().getAsInt());
        // How each ONNX op type of these files maps to IR ops: all Sub/Mul/Div here take a constant (-> Affine), and
        // every BatchNormalization is kept as its own Affine (batch norm stays float under quantization, ADABM.md §1).
        Map<Class<?>, Integer> expected = new HashMap<>();
        onnx.forEach((type, count) -> {
            Class<?> ir = switch (type) {
                case "Conv" -> Op.Conv2d.class;
                case "Relu" -> Op.Relu.class;
                case "PRelu" -> Op.PRelu.class;
                case "Add" -> Op.Add.class;
                case "Sub", "Mul", "Div", "BatchNormalization" -> Op.Affine.class;
                case "Concat" -> Op.Concat.class;
                case "DepthToSpace" -> Op.DepthToSpace.class;
                case "Pad" -> Op.Pad.class;
                case "Resize" -> Op.ResizeNearest.class;
                default -> throw new AssertionError("models.json lists op " + type + " the test does not map");
            };
            expected.merge(ir, count, Integer::sum);
        });
        Map<Class<?>, Integer> actual = new HashMap<>();
        for (Op op : g.ops()) actual.merge(op.getClass(), 1, Integer::sum);
        assertEquals(expected, actual, model + ": IR op counts");
        assertEquals(index(model).get("n_nodes").getAsInt(), g.ops().size(), model + ": one IR op per node");
    }

    @ParameterizedTest @MethodSource("models")
    void convListMatchesIndex(String model) throws IOException {
        Graph g = OnnxImporter.load(TestData.model(model + ".onnx"));
        List<String> expected = new ArrayList<>(), actual = new ArrayList<>();
        for (JsonElement e : index(model).getAsJsonArray("convs")) {
            JsonObject c = e.getAsJsonObject();
            expected.add(c.get("name").getAsString() + " " + c.get("cin").getAsInt() + "->" + c.get("cout").getAsInt()
                    + " k" + c.get("k").getAsInt() + " g" + c.get("group").getAsInt());
        }
        for (Op.Conv2d c : g.convs()) {
            assertEquals(c.kernelH(), c.kernelW(), c.name());
            actual.add(c.name() + " " + c.inChannels() + "->" + c.outChannels() + " k" + c.kernelH() + " g" + c.groups());
        }
        assertEquals(expected, actual, model + ": convs in order");
    }

    @ParameterizedTest @MethodSource("models")
    void macsPerPixelMatchIndex(String model) throws IOException {
        Graph g = OnnxImporter.load(TestData.model(model + ".onnx"));
        long expected = index(model).get("macs_per_lr_px").getAsLong();
        int size = 1024;
        double perPixel = g.macs(size, size) / (double) size / size;
        boolean valid = g.convs().stream().anyMatch(c -> c.kernelH() > 1 && c.padTop() == 0);
        // models.json ignores the border of WDSR's unpadded convs (body runs at (H+2)^2): at 1024 px that is < 0.4 %
        assertEquals(expected, perPixel, valid ? expected * 4.0 / size : 0.0, model + ": MACs per LR pixel");
    }

    /**
     * models.json "params" counts conv weights/biases, PReLU slopes and BN gamma/beta, each shared tensor once. The
     * importer keeps a shared initializer as one array (CARN-M reuses each residual block's weights three times), and
     * the convs before a BN have no bias in the file but a zero one in the IR (C values), and Graph.parameterCount does not
     * count the BN's affine (2C values).
     */
    @ParameterizedTest @MethodSource("models")
    void parameterCountMatchesIndexWithSharedWeightsCountedOnce(String model) throws IOException {
        Graph g = OnnxImporter.load(TestData.model(model + ".onnx"));
        JsonObject idx = index(model);
        long expected = idx.get("params").getAsLong();
        int bn = idx.getAsJsonObject("ops").has("BatchNormalization") ? idx.getAsJsonObject("ops").get("BatchNormalization").getAsInt() : 0;
        if (bn > 0) expected -= (long) bn * g.convs().get(1).outChannels();   // every BN here follows a 64-channel body conv
        assertEquals(expected, g.parameterCount(), model + ": parameters");
    }

    @ParameterizedTest @MethodSource("models")
    void metadataScaleAndRolesSurvive(String model) throws IOException {
        Graph g = OnnxImporter.load(TestData.model(model + ".onnx"));
        JsonObject idx = index(model);
        assertEquals(idx.get("scale").getAsString(), g.metadata().get("scale"), "metadata_props scale");
        assertEquals(idx.get("family").getAsString(), g.metadata().get("family"), "metadata_props family");
        assertEquals(idx.get("scale").getAsInt(), g.scale());
        Set<String> opNames = new HashSet<>();
        for (Op op : g.ops()) opNames.add(op.name());
        for (Map.Entry<String, JsonElement> role : idx.getAsJsonObject("roles").entrySet())
            for (JsonElement layer : role.getValue().getAsJsonArray())
                assertTrue(opNames.contains(layer.getAsString()), model + ": role " + role.getKey() + " layer " + layer + " is not an op name");
    }
}
