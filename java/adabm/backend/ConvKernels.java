package adabm.backend;

import adabm.graph.Op;
import adabm.tensor.Tensor;

/**
 * Single float32 convolutions and their two backward passes, one call per conv: what fake-quantized execution,
 * calibration and fine-tuning need from a backend (ADABM.md §2–§6). The weight is passed on every call because
 * fine-tuning changes the fake-quantized weight between steps; it is OIHW with the conv's own shape, and the bias
 * always comes from the conv. Stride 1, zero padding, groups, as {@link Op.Conv2d}. Not thread-safe; close to free
 * native resources.
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

    @Override void close();
}
