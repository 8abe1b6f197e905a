package adabm.quant;

/** Where a conv sits in an SR network; the names match models.json "roles". */
public enum LayerRole {
    FIRST, BODY, UPSAMPLER, LAST;

    public String jsonName() { return name().toLowerCase(java.util.Locale.ROOT); }
}
