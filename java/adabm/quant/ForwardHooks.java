package adabm.quant;

import adabm.tensor.Tensor;

/** Observers of a {@link FakeQuantRunner} forward pass. Tensors passed in must not be modified. */
public interface ForwardHooks {
    ForwardHooks NONE = new ForwardHooks() { };

    /**
     * Called with a conv's float input before it is fake-quantized (for calibration and bit-aware clipping; the
     * hook may change the layer's bounds, and the new ones are used for this very conv). {@code bits} holds each
     * image's activation bits for this layer; it is null in a float forward or for a float layer.
     */
    default void beforeConv(LayerQuant layer, Tensor input, int[] bits) { }

    /** Called with the output of each residual-block Add ({@link LayerRoles#residualTaps}). */
    default void residualTap(String addNode, Tensor output) { }
}
