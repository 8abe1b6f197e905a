package adabm.quant;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the user asks for: weight bits and base activation bits of the quantized body (e.g. W4A4, W8A6), the mode,
 * and optional per-name overrides of roles and kinds ({@link NamePattern} keys, applied in order, later wins).
 */
public record QuantSpec(int weightBits, int activationBits, QuantMode mode,
                        Map<String, LayerRole> roleOverrides, Map<String, LayerKind> kindOverrides) {
    public QuantSpec {
        Quantizers.checkBits(weightBits, "weight bits");
        Quantizers.checkBits(activationBits, "activation bits");
        roleOverrides = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(roleOverrides));
        kindOverrides = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(kindOverrides));
    }

    public QuantSpec(int weightBits, int activationBits, QuantMode mode) {
        this(weightBits, activationBits, mode, Map.of(), Map.of());
    }

    /** The kind a conv gets from its role in this mode, before overrides. */
    public LayerKind kindFor(LayerRole role, boolean localFusion) {
        if (role != LayerRole.BODY) return mode == QuantMode.FQ ? LayerKind.FIXED8 : LayerKind.FLOAT;
        return localFusion ? LayerKind.FIXED_BASE : LayerKind.ADAPTIVE;
    }

    @Override public String toString() {
        String s = "W" + weightBits + "A" + activationBits + " " + mode.name().toLowerCase(java.util.Locale.ROOT);
        if (!roleOverrides.isEmpty()) s += " roles" + roleOverrides;
        if (!kindOverrides.isEmpty()) s += " kinds" + kindOverrides;
        return s;
    }
}
