package adabm.quant;

import adabm.tensor.Tensor;
import java.util.List;

/**
 * FAB (ADABM.md §7) from the model's state alone: the mean activation bits over the layers counted in FAB for a
 * given image offset. Equals what a {@link FakeQuantRunner} forward reports, without running the network.
 */
public final class Fab {
    /** FAB of a float forward, and of a model with no counted layer. */
    public static final double FLOAT = 32.0;

    private Fab() { }

    public static double of(QuantModel model, int imageOffset) {
        int counted = 0;
        double sum = 0;
        for (LayerQuant q : model.layers())
            if (q.kind().countedInFab()) { sum += q.activationBits(imageOffset); counted++; }
        return counted == 0 ? FLOAT : sum / counted;
    }

    /** Mean FAB over single images (e.g. calibration patches), each at its own image offset. */
    public static double meanOver(QuantModel model, List<Tensor> images) {
        if (images.isEmpty()) throw new IllegalArgumentException("FAB of no images");
        double sum = 0;
        for (Tensor t : images)
            for (int i = 0; i < t.n; i++) sum += of(model, model.imageMap().offset(ImageComplexity.of(t, i)));
        int n = images.stream().mapToInt(t -> t.n).sum();
        return sum / n;
    }
}
