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

    /**
     * The kind conv {@code name} gets from its place in the graph in this mode, before overrides: head and tail are
     * W8A8 in fq mode and float in body mode; a body conv is adaptive, except RDN-style local fusion convs (fixed base
     * bits, ADABM.md §1) and CARN-style cascade fusion convs, which are W8A8 in both modes (our choice: ADABM.md names
     * no kind for them, the paper authors' CARN code leaves them out of the adaptive set, and W8A8 keeps them on the
     * int8 path where float would need the plan's slow exact float conv).
     */
    public LayerKind kindFor(LayerRoles roles, String name) {
        if (roles.role(name) != LayerRole.BODY) return mode == QuantMode.FQ ? LayerKind.FIXED8 : LayerKind.FLOAT;
        if (roles.cascadeFusion().contains(name)) return LayerKind.FIXED8;
        return roles.localFusion().contains(name) ? LayerKind.FIXED_BASE : LayerKind.ADAPTIVE;
    }

    @Override public String toString() {
        String s = "W" + weightBits + "A" + activationBits + " " + mode.name().toLowerCase(java.util.Locale.ROOT);
        if (!roleOverrides.isEmpty()) s += " roles" + roleOverrides;
        if (!kindOverrides.isEmpty()) s += " kinds" + kindOverrides;
        return s;
    }
}
