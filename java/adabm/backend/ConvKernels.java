package adabm.backend;

import adabm.graph.Op;
import adabm.tensor.Layout;
import adabm.tensor.Tensor;

/**
 * Single float32 convolutions and their two backward passes, one call per conv: what fake-quantized execution,
 * calibration and fine-tuning need from a backend (ADABM.md §2–§6). The weight is passed on every call because
 * fine-tuning changes the fake-quantized weight between steps; it is OIHW with the conv's own shape, and the bias
 * always comes from the conv. Stride 1, zero padding, groups, as {@link Op.Conv2d}. Activations are NCHW, or in the
 * given {@link Layout} for the variants that take one (fine-tuning's channels-last tape); implementations without a
 * channels-last path inherit one that reorders around the NCHW call. Not thread-safe; close to free native resources.
 */
public interface ConvKernels extends AutoCloseable {
    /** The backend's name ("java", "onednn"). */
    String name();

    /** y = conv(x, weight) + bias. */
    Tensor forward(Op.Conv2d conv, float[] weight, Tensor x);

    /** dL/dx (N, inC, inH, inW) for dL/dy; padded positions are dropped (they were constant 0). */
    Tensor backwardData(Op.Conv2d conv, float[] weight, Tensor dy, int inH, int inW);

    /** dL/dW (OIHW, summed over the batch) for the conv's actual input x and dL/dy. */
    float[] backwardWeights(Op.Conv2d conv, Tensor x, Tensor dy);

    /** {@link #forward(Op.Conv2d, float[], Tensor)} on tensors of the given layout. */
    default Tensor forward(Op.Conv2d conv, float[] weight, Tensor x, Layout layout) {
        if (layout == Layout.NCHW) return forward(conv, weight, x);
        return Layout.toNhwc(forward(conv, weight, Layout.toNchw(x)));
    }

    /** {@link #backwardData(Op.Conv2d, float[], Tensor, int, int)} on tensors of the given layout. */
    default Tensor backwardData(Op.Conv2d conv, float[] weight, Tensor dy, int inH, int inW, Layout layout) {
        if (layout == Layout.NCHW) return backwardData(conv, weight, dy, inH, inW);
        return Layout.toNhwc(backwardData(conv, weight, Layout.toNchw(dy), inH, inW));
    }

    /** {@link #backwardWeights(Op.Conv2d, Tensor, Tensor)} on tensors of the given layout. */
    default float[] backwardWeights(Op.Conv2d conv, Tensor x, Tensor dy, Layout layout) {
        if (layout == Layout.NCHW) return backwardWeights(conv, x, dy);
        return backwardWeights(conv, Layout.toNchw(x), Layout.toNchw(dy));
    }

    @Override void close();
}
