package adabm.quant;

/** Where a conv sits in an SR network; the names match models.json "roles". */
public enum LayerRole {
    FIRST, BODY, UPSAMPLER, LAST;

    public String jsonName() { return name().toLowerCase(java.util.Locale.ROOT); }

    /** The role named {@code text} as {@link #jsonName()} writes it. */
    public static LayerRole parse(String text) {
        for (LayerRole r : values()) if (r.jsonName().equals(text)) return r;
        throw new IllegalArgumentException("not a layer role (first, body, upsampler, last): '" + text + "'");
    }
}
