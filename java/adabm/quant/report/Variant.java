package adabm.quant.report;

import adabm.quant.CalibrationMethod;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * One row of the comparison (the supplementary's Tables S2, S3, S5): float32, or a calibration method with or without
 * the fine-tuning. Declaration order is the table's order. "AdaBM (no FT)" still gets bit-aware clipping; "AdaBM" is
 * the full method.
 */
public enum Variant {
    FLOAT("float", "float32", null, false),
    MINMAX("minmax-noft", "MinMax", CalibrationMethod.MINMAX, false),
    MINMAX_FT("minmax+ft", "MinMax+FT", CalibrationMethod.MINMAX, true),
    PERCENTILE("percentile-noft", "Percentile", CalibrationMethod.PERCENTILE, false),
    PERCENTILE_FT("percentile+ft", "Percentile+FT", CalibrationMethod.PERCENTILE, true),
    ADABM("adabm-noft", "AdaBM (no FT)", CalibrationMethod.ADABM, false),
    ADABM_FT("adabm+ft", "AdaBM", CalibrationMethod.ADABM, true);

    /** Stable id (CSV, JSON, {@code --rows}). */
    public final String key;
    /** What the table shows. */
    public final String label;
    /** Null for float32. */
    public final CalibrationMethod method;
    public final boolean fineTuned;

    Variant(String key, String label, CalibrationMethod method, boolean fineTuned) {
        this.key = key;
        this.label = label;
        this.method = method;
        this.fineTuned = fineTuned;
    }

    /**
     * Parses a comma-separated row list: a method name (float, minmax, percentile, adabm) picks all its rows, a row
     * key ({@code minmax-noft}, {@code adabm+ft}, ...) picks one; "all" picks every row. The result is in table order.
     */
    public static Set<Variant> parse(String list) {
        EnumSet<Variant> out = EnumSet.noneOf(Variant.class);
        for (String raw : list.split(",")) {
            String t = raw.trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) continue;
            boolean known = false;
            for (Variant v : values()) {
                String method = v.method == null ? "float" : v.method.name().toLowerCase(Locale.ROOT);
                if (t.equals("all") || t.equals(v.key) || t.equals(method)) { out.add(v); known = true; }
            }
            if (!known)
                throw new IllegalArgumentException("unknown comparison row '" + raw.trim() + "'; use all, float, minmax, percentile, adabm"
                        + " or one of " + keys());
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no comparison rows selected in '" + list + "'");
        return out;
    }

    private static String keys() {
        StringBuilder b = new StringBuilder();
        for (Variant v : values()) b.append(b.isEmpty() ? "" : ", ").append(v.key);
        return b.toString();
    }
}
