package adabm.perf;

import java.util.List;

/** The per-layer rows of one plan (float32 or int8) run under one ISA cap. */
public record PrecisionProfile(String precision, List<LayerProfile> rows) {
    public PrecisionProfile {
        rows = List.copyOf(rows);
    }

    /** Sum of the step medians. */
    public double totalMs() { return rows.stream().mapToDouble(LayerProfile::ms).sum(); }
}
