package adabm.quant.train;

import adabm.quant.BitMaps;
import adabm.quant.LayerKind;
import adabm.quant.LayerQuant;
import adabm.quant.QuantModel;
import adabm.quant.Quantizers;
import adabm.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * The straight-through surrogate of the §2 quantizers, a smooth function of the learnable parameters whose
 * derivatives are the §2 formulas: round(z) is replaced by z + E with the residual E = round(z) - z frozen at a
 * baseline. Activation: xq = c + (u - l) E / (2^b - 1); weight: wq = wc + 2 uw E / (2^bw - 1); bit width
 * b = hard bits + (tanh m - tanh m0) + (soft image offset(tau) - soft image offset(tau0)) (hard value forward, soft
 * backward, §4). At the baseline it equals the exact quantizer up to float rounding. Computed in double per element.
 */
final class SteSurrogate implements Tape.Quantization {
    private final Map<String, double[]> inputResidual = new HashMap<>(), weightResidual = new HashMap<>();
    private final Map<String, Double> logit0 = new HashMap<>();
    private final double tauLow0, tauHigh0;
    private final double[] complexity;
    private final QuantModel model;
    private boolean frozen;

    /** Captures residuals and the baseline maps by recording one forward at the model's current parameters. */
    SteSurrogate(QuantModel model, Tensor batch, double[] complexity) {
        this.model = model;
        this.complexity = complexity;
        this.tauLow0 = model.imageMap().tauLow();
        this.tauHigh0 = model.imageMap().tauHigh();
        for (LayerQuant q : model.layers()) logit0.put(q.name(), (double) q.layerLogit());
        Tape.record(model, batch, this, new adabm.backend.ref.JavaConvKernels(1));
        frozen = true;
    }

    private double softBits(LayerQuant layer, int sample, int hardBits) {
        if (layer.kind() != LayerKind.ADAPTIVE) return hardBits;
        double b = hardBits + Math.tanh(layer.layerLogit()) - Math.tanh(logit0.get(layer.name()));
        if (model.imageMap().enabled())
            b += BitMaps.softImageOffset(complexity[sample], model.imageMap().tauLow(), model.imageMap().tauHigh())
                    - BitMaps.softImageOffset(complexity[sample], tauLow0, tauHigh0);
        return b;
    }

    @Override public double bits(LayerQuant layer, int sample, int hardBits) { return softBits(layer, sample, hardBits); }

    @Override public Tensor input(LayerQuant layer, Tensor x, int[] bits) {
        double l = layer.lower(), u = layer.upper();
        int plane = x.c * x.h * x.w;
        double[] e = frozen ? inputResidual.get(layer.name()) : new double[x.data.length];
        Tensor q = new Tensor(x.n, x.c, x.h, x.w);
        for (int s = 0; s < x.n; s++) {
            double n = Math.pow(2, softBits(layer, s, bits[s])) - 1;
            for (int k = s * plane; k < (s + 1) * plane; k++) {
                double c = Math.min(Math.max(x.data[k], l), u);
                if (!frozen) { double z = (c - l) / (u - l) * n; e[k] = Math.rint(z) - z; }
                q.data[k] = (float) (c + (u - l) * e[k] / n);
            }
        }
        if (!frozen) inputResidual.put(layer.name(), e);
        return q;
    }

    @Override public float[] weight(LayerQuant layer) {
        float[] w = layer.conv().weight();
        double uw = layer.weightBound(), n = Quantizers.levels(layer.weightBits());
        double[] e = frozen ? weightResidual.get(layer.name()) : new double[w.length];
        float[] q = new float[w.length];
        for (int k = 0; k < w.length; k++) {
            double c = Math.min(Math.max(w[k], -uw), uw);
            if (!frozen) { double z = (c + uw) / (2 * uw) * n; e[k] = Math.rint(z) - z; }
            q[k] = (float) (c + 2 * uw * e[k] / n);
        }
        if (!frozen) weightResidual.put(layer.name(), e);
        return q;
    }
}
