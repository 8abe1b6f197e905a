package adabm.cli;

import adabm.graph.Graph;
import adabm.io.ModelLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;
import picocli.CommandLine.Option;

/** --model and --scale of the quantization commands (quantize, compare, bitmap), which pick no float backend. */
final class ModelFileOptions {
    @Option(names = "--model", required = true, description = "float model: .onnx, or a PyTorch checkpoint .pt/.pth")
    Path model;

    @Option(names = "--scale", description = "upscaling factor (needed for multi-scale checkpoints such as CARN-M; checked otherwise)")
    Integer scale;

    Graph load() throws IOException { return ModelLoader.load(model, scale == null ? OptionalInt.empty() : OptionalInt.of(scale)); }

    /** --scale where given, else the graph's. */
    int scale(Graph g) { return scale != null ? scale : g.scale(); }
}
