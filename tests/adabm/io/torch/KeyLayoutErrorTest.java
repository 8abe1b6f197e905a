package adabm.io.torch;

import static org.junit.jupiter.api.Assertions.*;

import adabm.ModelFormatException;
import adabm.TestData;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Broken state_dicts: the error names the checkpoint, the layout, the key and the shapes. */
class KeyLayoutErrorTest {
    private static Map<String, TorchTensor> edsr() {
        return new LinkedHashMap<>(TorchCheckpoint.load(TestData.model("edsr_baseline8_x2.pt")));
    }

    @Test void missingKeyIsNamed() {
        Map<String, TorchTensor> m = edsr();
        m.remove("body.3.body.2.weight");
        var e = assertThrows(ModelFormatException.class, () -> TorchModels.build("edsr.pt", m, OptionalInt.empty()));
        assertTrue(e.getMessage().contains("edsr.pt (EDSR layout)") && e.getMessage().contains("missing tensor 'body.3.body.2.weight'"), e.getMessage());
    }

    @Test void missingBiasOrMeanShiftHalfOrLoopModuleIsNamed() {
        Map<String, TorchTensor> bias = edsr();
        bias.remove("body.6.body.2.bias");
        var eb = assertThrows(ModelFormatException.class, () -> TorchModels.build("edsr.pt", bias, OptionalInt.empty()));
        assertTrue(eb.getMessage().contains("missing tensor 'body.6.body.2.bias' of shape [64]"), eb.getMessage());

        Map<String, TorchTensor> mean = edsr();
        mean.remove("sub_mean.weight");
        var em = assertThrows(ModelFormatException.class, () -> TorchModels.build("edsr.pt", mean, OptionalInt.empty()));
        assertTrue(em.getMessage().contains("missing tensor 'sub_mean.weight'"), em.getMessage());

        Map<String, TorchTensor> block = edsr();
        block.remove("body.5.body.0.weight"); // the block count stops at 5, but body.5's other tensors are there
        var ek = assertThrows(ModelFormatException.class, () -> TorchModels.build("edsr.pt", block, OptionalInt.empty()));
        assertTrue(ek.getMessage().contains("missing tensor 'body.5.body.0.weight'"), ek.getMessage());

        Map<String, TorchTensor> rdn = new LinkedHashMap<>(TorchCheckpoint.load(TestData.model("synthetic/rdn_small_x2.pt")));
        rdn.remove("RDBs.1.LFF.weight");
        var er = assertThrows(ModelFormatException.class, () -> TorchModels.build("rdn.pt", rdn, OptionalInt.empty()));
        assertTrue(er.getMessage().contains("(RDN layout)") && er.getMessage().contains("missing tensor 'RDBs.1.LFF.weight'"), er.getMessage());
    }

    @Test void wrongShapeNamesKeyAndBothShapes() {
        Map<String, TorchTensor> m = edsr();
        m.put("tail.0.0.weight", new TorchTensor("tail.0.0.weight", "Float", new int[] {256, 32, 3, 3}, new float[256 * 32 * 9]));
        var e = assertThrows(ModelFormatException.class, () -> TorchModels.build("edsr.pt", m, OptionalInt.empty()));
        assertTrue(e.getMessage().contains("'tail.0.0.weight' has shape [256, 32, 3, 3], expected [*,64,*,*]"), e.getMessage());

        Map<String, TorchTensor> b = edsr();
        b.put("body.0.body.0.bias", new TorchTensor("body.0.body.0.bias", "Float", new int[] {63}, new float[63]));
        var eb = assertThrows(ModelFormatException.class, () -> TorchModels.build("edsr.pt", b, OptionalInt.empty()));
        assertTrue(eb.getMessage().contains("'body.0.body.0.bias' has shape [63], expected [64]"), eb.getMessage());
    }

    @Test void batchNormStatisticsAreRequired() {
        Map<String, TorchTensor> m = new LinkedHashMap<>(TorchCheckpoint.load(TestData.model("synthetic/srresnet_small_x4.pt")));
        m.remove("body.1.bn2.running_var");
        var e = assertThrows(ModelFormatException.class, () -> TorchModels.build("sr.pt", m, OptionalInt.empty()));
        assertTrue(e.getMessage().contains("(SRResNet layout)") && e.getMessage().contains("missing tensor 'body.1.bn2.running_var' of shape [16]"), e.getMessage());
    }

    @Test void integerTensorWhereAWeightIsNeeded() {
        Map<String, TorchTensor> m = edsr();
        m.put("head.0.bias", new TorchTensor("head.0.bias", "Long", new int[] {64}, new float[64]));
        var e = assertThrows(ModelFormatException.class, () -> TorchModels.build("edsr.pt", m, OptionalInt.empty()));
        assertTrue(e.getMessage().contains("'head.0.bias' has integer type Long"), e.getMessage());
    }

    @Test void scaleMismatchAndUnknownLayout() {
        var s = assertThrows(ModelFormatException.class, () -> TorchModels.build("edsr.pt", edsr(), OptionalInt.of(4)));
        assertTrue(s.getMessage().contains("x2 model, x4 was requested"), s.getMessage());

        Map<String, TorchTensor> other = new LinkedHashMap<>();
        other.put("conv_first.weight", new TorchTensor("conv_first.weight", "Float", new int[] {64, 3, 3, 3}, new float[1728]));
        var e = assertThrows(ModelFormatException.class, () -> TorchModels.build("esrgan.pth", other, OptionalInt.empty()));
        assertTrue(e.getMessage().contains("matches no known layout") && e.getMessage().contains("conv_first.weight [64,3,3,3]"), e.getMessage());
    }
}
