package adabm.cli;

import adabm.ShapeException;
import adabm.graph.Graph;
import adabm.io.image.Images;
import adabm.quant.QuantModel;
import adabm.quant.artifact.QuantArtifact;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options `adabm profile` passes on to each of its child processes, and their checked loading. */
final class ProfileInputs {
    @Mixin ModelFileOptions model;

    @Option(names = "--quant", description = "quantized-model artifact (from adabm quantize) made from --model: adds the int8 plan")
    Path quant;

    @Option(names = "--image", required = true, description = "LR image to run (PNG, JPEG or BMP), e.g. ../shared/datasets/Set5/LR_bicubic/X2/birdx2.png")
    Path image;

    @Option(names = "--threads", defaultValue = "1", description = "threads per plan (default: ${DEFAULT-VALUE}, the steadiest numbers)")
    int threads;

    @Option(names = "--repeats", defaultValue = "5", description = "timed runs per plan after one warm-up run; rows show medians (default: ${DEFAULT-VALUE})")
    int repeats;

    record Loaded(Graph graph, QuantModel quant, Tensor image) { }

    /** Loads and checks everything: typed errors naming the file (no such file, not an image, artifact of another model). */
    Loaded load() throws IOException {
        if (threads < 1) throw new IllegalArgumentException("--threads must be positive, got " + threads);
        if (repeats < 1) throw new IllegalArgumentException("--repeats must be positive, got " + repeats);
        Graph g = model.load();
        QuantModel qm = quant == null ? null : QuantArtifact.read(quant, g, model.model.toString()).model();
        Tensor img = Images.read(image);
        if (img.c != g.inputChannels())
            throw new ShapeException(image + ": image has " + img.c + " channels, model " + g.name() + " takes " + g.inputChannels());
        g.inferShapes(img.h, img.w);   // a typed error naming the node if the image does not fit the network
        return new Loaded(g, qm, img);
    }

    /** The same options, for a child process. */
    List<String> asArgs() {
        List<String> a = new ArrayList<>(List.of("--model", model.model.toString()));
        if (model.scale != null) a.addAll(List.of("--scale", model.scale.toString()));
        if (quant != null) a.addAll(List.of("--quant", quant.toString()));
        a.addAll(List.of("--image", image.toString(), "--threads", Integer.toString(threads), "--repeats", Integer.toString(repeats)));
        return a;
    }
}
