package adabm.quant;

import adabm.graph.Op;

/**
 * One conv's quantization state: its kind and fixed bit widths, and the learnable parameters (activation bounds
 * l < u, weight bound uw, layer-map logit m). Mutable: calibration, bit-aware clipping and fine-tuning update it.
 */
public final class LayerQuant {
    private final Op.Conv2d conv;
    private final LayerRole role;
    private final LayerKind kind;
    private final int weightBits;
    private final int baseActivationBits;
    private float lower = Float.NaN, upper = Float.NaN, weightBound = Float.NaN;
    private float layerLogit;

    LayerQuant(Op.Conv2d conv, LayerRole role, LayerKind kind, QuantSpec spec) {
        this.conv = conv;
        this.role = role;
        this.kind = kind;
        boolean eight = kind == LayerKind.FIXED8;
        this.weightBits = eight ? 8 : spec.weightBits();
        this.baseActivationBits = eight ? 8 : spec.activationBits();
    }

    public String name() { return conv.name(); }
    public Op.Conv2d conv() { return conv; }
    public LayerRole role() { return role; }
    public LayerKind kind() { return kind; }
    public int weightBits() { return weightBits; }
    public int baseActivationBits() { return baseActivationBits; }
    public float lower() { return lower; }
    public float upper() { return upper; }
    public float weightBound() { return weightBound; }
    public float layerLogit() { return layerLogit; }

    public void setActivationBounds(float l, float u) {
        if (!(l < u) || !Float.isFinite(l) || !Float.isFinite(u))
            throw new IllegalArgumentException("layer " + name() + ": activation bounds need finite l < u, got l=" + l + " u=" + u);
        lower = l;
        upper = u;
    }

    public void setWeightBound(float uw) {
        if (!(uw > 0) || !Float.isFinite(uw)) throw new IllegalArgumentException("layer " + name() + ": weight bound must be positive, got " + uw);
        weightBound = uw;
    }

    public void setLayerLogit(float m) {
        if (!Float.isFinite(m)) throw new IllegalArgumentException("layer " + name() + ": layer logit " + m);
        layerLogit = m;
    }

    /** Hard layer offset: only adaptive layers have one. */
    public int layerOffset() { return kind == LayerKind.ADAPTIVE ? BitMaps.layerOffset(layerLogit) : 0; }

    /** Activation bits for an image with this image offset (only adaptive layers use it). */
    public int activationBits(int imageOffset) {
        int b = kind == LayerKind.ADAPTIVE ? baseActivationBits + imageOffset + layerOffset() : baseActivationBits;
        if (b < Quantizers.MIN_BITS || b > Quantizers.MAX_BITS)
            throw new IllegalArgumentException("layer " + name() + ": base " + baseActivationBits + " + image offset " + imageOffset
                    + " + layer offset " + layerOffset() + " = " + b + " bits, outside " + Quantizers.MIN_BITS + ".." + Quantizers.MAX_BITS);
        return b;
    }

    public boolean calibrated() { return !Float.isNaN(lower) && !Float.isNaN(weightBound); }

    @Override public String toString() {
        return name() + " " + role.jsonName() + " " + kind + " W" + weightBits + " A" + baseActivationBits
                + " l=" + lower + " u=" + upper + " uw=" + weightBound + " m=" + layerLogit;
    }
}
