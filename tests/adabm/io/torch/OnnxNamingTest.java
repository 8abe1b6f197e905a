package adabm.io.torch;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.graph.Graph;
import adabm.graph.Op;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The graphs built from checkpoints have the ONNX files' conv table (models.json "convs": name, widths, kernel,
 * groups, in execution order) and every node named in the layer roles, so AdaBM's roles apply unchanged.
 */
class OnnxNamingTest {
    @ParameterizedTest
    @CsvSource({"edsr_baseline8_x2.pt, 2, edsr_baseline8_x2", "edsr_baseline8_x2_adabm_layout.pt, 2, edsr_baseline8_x2",
            "carn_x2.pth, 2, carn_x2", "carn_m.pth, 2, carn_m_x2", "carn_m.pth, 3, carn_m_x3", "carn_m.pth, 4, carn_m_x4"})
    void convTableAndRolesMatchModelsJson(String file, int scale, String model) throws Exception {
        JsonObject entry = JsonParser.parseString(Files.readString(TestData.model("models.json"))).getAsJsonObject().getAsJsonObject(model);
        Graph g = TorchModels.load(TestData.model(file), OptionalInt.of(scale));

        List<String> expected = new ArrayList<>();
        for (JsonElement e : entry.getAsJsonArray("convs")) {
            JsonObject c = e.getAsJsonObject();
            expected.add(c.get("name").getAsString() + " " + c.get("cin").getAsInt() + "->" + c.get("cout").getAsInt()
                    + " k" + c.get("k").getAsInt() + " g" + c.get("group").getAsInt());
        }
        List<String> actual = new ArrayList<>();
        Map<String, Op.Conv2d> convs = new LinkedHashMap<>();
        for (Op.Conv2d c : g.convs()) {
            actual.add(c.name() + " " + c.inChannels() + "->" + c.outChannels() + " k" + c.kernelH() + " g" + c.groups());
            convs.put(c.name(), c);
        }
        assertEquals(expected, actual);

        JsonObject roles = entry.getAsJsonObject("roles");
        for (String role : roles.keySet())
            for (JsonElement n : roles.getAsJsonArray(role))
                assertTrue(convs.containsKey(n.getAsString()), model + " role " + role + ": no conv " + n.getAsString());
        assertEquals(entry.get("params").getAsLong(), g.parameterCount(), "parameter count (MODELS.md table)");
    }
}
