package adabm.quant.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * dL/d(parameter) for the learnable quantizer parameters (ADABM.md §6): per layer the weight bound uw, activation
 * bounds l and u, and layer logit m; and the image thresholds tauLow, tauHigh. Accumulated in double.
 */
public final class Gradients {
    /** One layer's gradients. */
    public static final class Layer {
        public double weightBound, lower, upper, logit;
    }

    private final Map<String, Layer> layers = new LinkedHashMap<>();
    public double tauLow, tauHigh;

    public Layer layer(String name) { return layers.computeIfAbsent(name, k -> new Layer()); }

    /** Layers that received any gradient, in the order they were first touched. */
    public Map<String, Layer> layers() { return layers; }
}
