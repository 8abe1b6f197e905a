package adabm.io.torch;

import adabm.ModelFormatException;
import adabm.graph.Graph;
import adabm.io.torch.builders.CarnBuilder;
import adabm.io.torch.builders.EdsrBuilder;
import adabm.io.torch.builders.RdnBuilder;
import adabm.io.torch.builders.SrResNetBuilder;
import adabm.io.torch.builders.StateDict;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Builds a model graph from a PyTorch checkpoint: reads the state_dict safely, recognises the family from its keys
 * (EDSR in EDSR-PyTorch or AdaBM layout, RDN, SRResNet, CARN / CARN-M) and reads the configuration from the shapes.
 * The graph takes and gives RGB 0..255 like the ONNX files, and its node names follow those files so AdaBM's layer
 * roles apply to both.
 */
public final class TorchModels {
    private TorchModels() { }

    /** @param scale the upscaling factor; needed only for multi-scale checkpoints (CARN-M), checked against the others */
    public static Graph load(Path file, OptionalInt scale) {
        return build(file.getFileName().toString(), TorchCheckpoint.load(file), scale);
    }

    public static Graph build(String source, Map<String, TorchTensor> tensors, OptionalInt scale) {
        if (scale.isPresent() && (scale.getAsInt() < 2 || scale.getAsInt() > 8))
            throw new ModelFormatException("checkpoint " + source + ": scale " + scale.getAsInt() + " is not in 2..8");
        if (CarnBuilder.matches(tensors)) return CarnBuilder.build(new StateDict(source, "CARN", tensors), scale);
        if (RdnBuilder.matches(tensors)) return RdnBuilder.build(new StateDict(source, "RDN", tensors), scale);
        if (SrResNetBuilder.matches(tensors)) return SrResNetBuilder.build(new StateDict(source, "SRResNet", tensors), scale);
        if (EdsrBuilder.matches(tensors)) return EdsrBuilder.build(new StateDict(source, "EDSR", tensors), scale);
        throw new ModelFormatException("checkpoint " + source + ": state_dict matches no known layout (EDSR: head.0/body.i.body.0 or"
                + " body.i.conv1/tail.0.0/tail.1; RDN: SFENet1/RDBs.0.LFF; SRResNet: head.0/head.1/body.0.bn1/tail.1;"
                + " CARN: entry/b1.b1.body.0/exit). It has " + tensors.size() + " tensors: " + summary(tensors));
    }

    private static String summary(Map<String, TorchTensor> tensors) {
        StringBuilder b = new StringBuilder();
        int n = 0;
        for (TorchTensor t : tensors.values()) {
            if (n++ == 16) { b.append(", ..."); break; }
            if (n > 1) b.append(", ");
            b.append(t.name()).append(' ').append(t.shapeString().replace(" ", ""));
        }
        return b.toString();
    }
}
