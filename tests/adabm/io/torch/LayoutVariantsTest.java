package adabm.io.torch;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.graph.Graph;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Upsampler variants not present among the shared files (EDSR x3/x4, RDN x3), derived from real state_dicts. */
class LayoutVariantsTest {
    private static TorchTensor zeros(String name, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return new TorchTensor(name, "Float", shape, new float[n]);
    }

    private static Map<String, TorchTensor> load(String file) {
        return new LinkedHashMap<>(TorchCheckpoint.load(TestData.model(file)));
    }

    @Test void edsrScaleFollowsTheUpsamplerShapes() {
        Map<String, TorchTensor> x3 = load("edsr_baseline8_x2.pt");
        x3.put("tail.0.0.weight", zeros("tail.0.0.weight", 576, 64, 3, 3));
        x3.put("tail.0.0.bias", zeros("tail.0.0.bias", 576));
        Graph g3 = TorchModels.build("edsr_x3.pt", x3, OptionalInt.empty());
        assertEquals(3, g3.scale());

        Map<String, TorchTensor> x4 = load("edsr_baseline8_x2_adabm_layout.pt");
        x4.put("tail.0.2.weight", zeros("tail.0.2.weight", 256, 64, 3, 3));
        x4.put("tail.0.2.bias", zeros("tail.0.2.bias", 256));
        Graph g4 = TorchModels.build("edsr_x4.pt", x4, OptionalInt.of(4));
        assertEquals(4, g4.scale());
        assertEquals("AdaBM", g4.metadata().get("layout"));
        assertEquals(2, g4.ops().stream().filter(o -> o instanceof adabm.graph.Op.DepthToSpace).count());
    }

    @Test void rdnTimesThree() {
        Map<String, TorchTensor> m = load("synthetic/rdn_small_x2.pt");
        m.put("UPNet.0.weight", zeros("UPNet.0.weight", 144, 32, 3, 3));
        m.put("UPNet.0.bias", zeros("UPNet.0.bias", 144));
        Graph g = TorchModels.build("rdn_x3.pt", m, OptionalInt.empty());
        assertEquals(3, g.scale());
        assertEquals("G0=32 D=3 C=3 G=16", g.metadata().get("config"));
    }

    @Test void carnSingleScaleNaming() {
        // CARN-pytorch with multi_scale=False stores upsample.up.* (MODELS.md: rename up2 -> up)
        Map<String, TorchTensor> m = new LinkedHashMap<>();
        for (var e : TorchCheckpoint.load(TestData.model("carn_x2.pth")).entrySet())
            m.put(e.getKey().replace("upsample.up2.", "upsample.up."), e.getValue());
        Graph g = TorchModels.build("carn_single.pth", m, OptionalInt.empty());
        assertEquals(2, g.scale());
        assertTrue(g.convs().stream().anyMatch(c -> c.name().equals("upsample.up.body.0")));
    }
}
