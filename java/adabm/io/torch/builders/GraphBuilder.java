package adabm.io.torch.builders;

import adabm.graph.Graph;
import adabm.graph.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Appends ops in execution order; each op's output tensor is named like the op (the ONNX files' convention). */
final class GraphBuilder {
    static final String INPUT = "lr";

    private final List<Op> ops = new ArrayList<>();

    /** A same-padded (k/2) stride-1 convolution. */
    String conv(String name, String input, StateDict.Conv c) {
        int p = c.k() / 2;
        ops.add(new Op.Conv2d(name, input, name, c.cin(), c.cout(), c.k(), c.k(), p, p, p, p, c.groups(), c.weight(), c.bias()));
        return name;
    }

    String relu(String name, String input) { ops.add(new Op.Relu(name, input, name)); return name; }

    String prelu(String name, String input, float[] slopes) { ops.add(new Op.PRelu(name, input, name, slopes)); return name; }

    String add(String name, String a, String b) { ops.add(new Op.Add(name, a, b, name)); return name; }

    String concat(String name, List<String> inputs) { ops.add(new Op.Concat(name, inputs, name)); return name; }

    String shuffle(String name, String input, int block) { ops.add(new Op.DepthToSpace(name, input, name, block, Op.ShuffleOrder.CRD)); return name; }

    String affine(String name, String input, float[] scale, float[] shift) { ops.add(new Op.Affine(name, input, name, scale, shift)); return name; }

    Graph build(String graphName, int inputChannels, String output, Map<String, String> metadata) {
        return new Graph(graphName, INPUT, inputChannels, ops, output, metadata);
    }
}
