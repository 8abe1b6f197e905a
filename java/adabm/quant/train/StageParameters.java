package adabm.quant.train;

import adabm.quant.LayerKind;
import adabm.quant.LayerQuant;
import adabm.quant.QuantModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameter vector one stage learns, read from and written back to a {@link QuantModel}, with each entry's
 * base learning rate and its gradient picked out of {@link Gradients}. An update that would break a parameter's
 * constraint (uw > 0, l < u, tauLow < tauHigh) leaves that parameter, or pair, unchanged for the step. Weight bounds
 * may be learned as ln(uw) ({@link FineTuner.Options#logWeightBounds()}): the update multiplies uw by exp(step).
 */
final class StageParameters {
    private final QuantModel model;
    private final Stage stage;
    private final List<LayerQuant> layers = new ArrayList<>();
    private final boolean taus;
    private final boolean logWeightBounds;
    private final double[] baseLr;

    StageParameters(QuantModel model, Stage stage, FineTuner.Options o) {
        this.model = model;
        this.stage = stage;
        for (LayerQuant q : model.layers()) {
            boolean learns = switch (stage) {
                case W, A -> q.kind().quantized();
                case MEASURE -> model.hasBitMaps() && q.kind() == LayerKind.ADAPTIVE;
            };
            if (learns) layers.add(q);
        }
        taus = stage == Stage.MEASURE && model.hasBitMaps();
        logWeightBounds = o.logWeightBounds();
        int perLayer = stage == Stage.A ? 2 : 1;
        baseLr = new double[layers.size() * perLayer + (taus ? 2 : 0)];
        double lr = switch (stage) { case W -> o.lrWeight(); case A -> o.lrActivation(); case MEASURE -> o.lrLogit(); };
        java.util.Arrays.fill(baseLr, lr);
        if (taus) { baseLr[baseLr.length - 2] = o.lrTau(); baseLr[baseLr.length - 1] = o.lrTau(); }
    }

    int size() { return baseLr.length; }

    double[] baseLearningRates() { return baseLr.clone(); }

    double[] gradient(Gradients g) {
        double[] out = new double[size()];
        int i = 0;
        for (LayerQuant q : layers) {
            Gradients.Layer lg = g.layer(q.name());
            switch (stage) {
                // log space: d L / d ln(uw) = uw * d L / d uw
                case W -> out[i++] = logWeightBounds ? lg.weightBound * q.weightBound() : lg.weightBound;
                case A -> { out[i++] = lg.lower; out[i++] = lg.upper; }
                case MEASURE -> out[i++] = lg.logit;
            }
        }
        if (taus) { out[i++] = g.tauLow; out[i] = g.tauHigh; }
        return out;
    }

    void apply(double[] delta) {
        int i = 0;
        for (LayerQuant q : layers) {
            switch (stage) {
                case W -> {
                    float uw = (float) (logWeightBounds ? q.weightBound() * Math.exp(delta[i++]) : q.weightBound() + delta[i++]);
                    if (uw > 0 && Float.isFinite(uw)) q.setWeightBound(uw);
                }
                case A -> {
                    float l = (float) (q.lower() + delta[i++]), u = (float) (q.upper() + delta[i++]);
                    if (l < u && Float.isFinite(l) && Float.isFinite(u)) q.setActivationBounds(l, u);
                }
                case MEASURE -> {
                    float m = (float) (q.layerLogit() + delta[i++]);
                    if (Float.isFinite(m)) q.setLayerLogit(m);
                }
            }
        }
        if (taus) {
            double lo = model.imageMap().tauLow() + delta[i++], hi = model.imageMap().tauHigh() + delta[i];
            if (lo < hi) model.imageMap().enable(lo, hi);
        }
    }
}
