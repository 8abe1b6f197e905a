package adabm.cli;

import adabm.backend.Backend;
import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.backend.onednn.NativeCpu;
import adabm.graph.Graph;
import adabm.io.ModelLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;
import picocli.CommandLine.Option;

/** The options shared by commands that run a model: which file, which scale, which backend, how many threads. */
final class ModelOptions {
    @Option(names = "--model", required = true, description = "model file: .onnx, or a PyTorch checkpoint .pt/.pth")
    Path model;

    @Option(names = "--scale", description = "upscaling factor (needed for multi-scale checkpoints such as CARN-M; checked otherwise)")
    Integer scale;

    @Option(names = "--backend", description = "java | onednn | acl | cuda (default: the native CPU backend where it loads, onednn "
            + "on x86-64 and acl on aarch64, else java); eval --quant also takes onednn-int8 / acl-int8 (the integer plan) "
            + "and cuda-int8 (the same on a GPU)")
    String backend;

    private String resolved;   // the default, chosen once

    @Option(names = "--threads", defaultValue = "0", description = "threads for the backend; 0 = all cores (default)")
    int threads;

    @Option(names = "--tile", defaultValue = "256", description = "tile size in input pixels for large images (default: ${DEFAULT-VALUE})")
    int tile;

    Graph loadGraph() throws IOException {
        return ModelLoader.load(model, scale == null ? OptionalInt.empty() : OptionalInt.of(scale));
    }

    /** --backend as given, else the native CPU backend where it loads, else java (said once on stderr). */
    String backendName() {
        if (backend != null) return backend;
        if (resolved == null) {
            resolved = Backends.best().name();
            String preferred = NativeCpu.floatBackendName();
            if (!resolved.equals(preferred))
                System.err.println("backend '" + preferred + "' is unavailable: " + NativeCpu.unavailableReason(preferred) + "; using " + resolved);
        }
        return resolved;
    }

    Backend backend() { return Backends.get(backendName()); }

    Plan compile(Graph g) { return backend().compile(g, new BackendOptions(threads)); }
}
