package adabm.graph;

import java.util.List;

/**
 * The operator set of the model IR. Every op has a unique node name, named input tensors and one output tensor.
 * Activations are NCHW float32; parameters are plain float arrays (two convs may share one weight array, as in CARN-M).
 */
public sealed interface Op {
    String name();
    List<String> inputs();
    String output();

    /** 2-D convolution, stride 1, dilation 1. weight is OIHW: [out][in/groups][kh][kw]; bias has out entries (zeros if none). */
    record Conv2d(String name, String input, String output, int inChannels, int outChannels, int kernelH, int kernelW,
                  int padTop, int padLeft, int padBottom, int padRight, int groups, float[] weight, float[] bias) implements Op {
        public List<String> inputs() { return List.of(input); }
        public int inPerGroup() { return inChannels / groups; }
        public int outPerGroup() { return outChannels / groups; }
        /** Multiply-accumulates per output pixel. */
        public long macsPerPixel() { return (long) outChannels * inPerGroup() * kernelH * kernelW; }
    }

    record Relu(String name, String input, String output) implements Op {
        public List<String> inputs() { return List.of(input); }
    }

    /** x >= 0 ? x : slope[c] * x; slopes has 1 or C entries. */
    record PRelu(String name, String input, String output, float[] slopes) implements Op {
        public List<String> inputs() { return List.of(input); }
    }

    record LeakyRelu(String name, String input, String output, float alpha) implements Op {
        public List<String> inputs() { return List.of(input); }
    }

    /** Element-wise a + b of two same-shaped tensors. */
    record Add(String name, String a, String b, String output) implements Op {
        public List<String> inputs() { return List.of(a, b); }
    }

    /** Element-wise a - b of two same-shaped tensors. */
    record Sub(String name, String a, String b, String output) implements Op {
        public List<String> inputs() { return List.of(a, b); }
    }

    /**
     * Per-channel affine y = x * scale[c] + shift[c]; scale and shift have 1 or C entries. Covers scalar and
     * per-channel Mul/Add/Sub with constants, mean shift, and batch norm that could not be folded into a conv.
     */
    record Affine(String name, String input, String output, float[] scale, float[] shift) implements Op {
        public List<String> inputs() { return List.of(input); }
    }

    /** Concatenation along channels. */
    record Concat(String name, List<String> inputs, String output) implements Op {
        public Concat { inputs = List.copyOf(inputs); }
    }

    enum ShuffleOrder {
        /** PyTorch PixelShuffle / ONNX CRD: out[c, h*b+i, w*b+j] = in[c*b*b + i*b + j, h, w]. */
        CRD,
        /** TF depth_to_space / ONNX DCR: out[c, h*b+i, w*b+j] = in[(i*b + j)*C + c, h, w]. */
        DCR
    }

    record DepthToSpace(String name, String input, String output, int block, ShuffleOrder order) implements Op {
        public List<String> inputs() { return List.of(input); }
    }

    enum PadMode { CONSTANT, EDGE }

    /** Spatial padding (top, left, bottom, right) with a constant value or edge replication. */
    record Pad(String name, String input, String output, int top, int left, int bottom, int right, PadMode mode, float value) implements Op {
        public List<String> inputs() { return List.of(input); }
    }

    /** Nearest-neighbour upsampling by an integer factor: out[y][x] = in[y / s][x / s]. */
    record ResizeNearest(String name, String input, String output, int scale) implements Op {
        public List<String> inputs() { return List.of(input); }
    }
}
