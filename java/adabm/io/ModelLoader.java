package adabm.io;

import adabm.ModelFormatException;
import adabm.graph.Graph;
import adabm.io.onnx.OnnxImporter;
import adabm.io.torch.TorchModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/** Loads a model file by its type: ONNX (.onnx) or a PyTorch checkpoint (.pt, .pth, .pkl). */
public final class ModelLoader {
    private ModelLoader() { }

    /** @param scale upscaling factor for multi-scale checkpoints (CARN-M); empty = the file's only scale. */
    public static Graph load(Path file, OptionalInt scale) throws IOException {
        if (!Files.isRegularFile(file)) throw new ModelFormatException(file + ": no such model file");
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        Graph g;
        if (name.endsWith(".onnx")) g = OnnxImporter.load(file);
        else if (name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".pkl")) g = TorchModels.load(file, scale);
        else throw new ModelFormatException(file + ": unknown model type (expected .onnx, .pt or .pth)");
        if (scale.isPresent() && g.scale() != scale.getAsInt())
            throw new ModelFormatException(file + ": model upscales x" + g.scale() + ", but --scale " + scale.getAsInt() + " was asked for");
        return g;
    }
}
