package adabm.quant;

/** Which convs get quantized (ADABM.md §1). */
public enum QuantMode {
    /** Full quantization: every conv, head and tail at W8A8. */
    FQ,
    /** Body-only: head and tail stay float32. */
    BODY;

    /** Parses "fq" or "body" (any case). */
    public static QuantMode parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "fq" -> FQ;
            case "body" -> BODY;
            default -> throw new IllegalArgumentException("quantization mode must be fq or body, got '" + s + "'");
        };
    }
}
