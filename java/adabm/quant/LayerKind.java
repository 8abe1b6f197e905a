package adabm.quant;

/** How one conv is quantized (ADABM.md §1). */
public enum LayerKind {
    /** Activation bits = base + image offset + layer offset; counted in FAB. */
    ADAPTIVE,
    /** W8A8, never adapted, not counted in FAB (head and tail in full-quantization mode; CARN's cascade convs in both). */
    FIXED8,
    /** Base bits, not adapted, counted in FAB (RDN's 1x1 local-fusion convs). */
    FIXED_BASE,
    /** Not quantized (head and tail in body-only mode). */
    FLOAT;

    public boolean quantized() { return this != FLOAT; }

    public boolean countedInFab() { return this == ADAPTIVE || this == FIXED_BASE; }

    /** The name artifacts and the command line use: adaptive, fixed8, fixed_base, float. */
    public String jsonName() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static LayerKind parse(String text) {
        for (LayerKind k : values()) if (k.jsonName().equals(text)) return k;
        throw new IllegalArgumentException("not a layer kind (adaptive, fixed8, fixed_base, float): '" + text + "'");
    }
}
