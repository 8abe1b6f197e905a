package adabm.quant;

/** How activation and weight bounds are set from the calibration pass. */
public enum CalibrationMethod {
    /** AdaBM (ADABM.md §3–§4): min/max activation bounds blended 0.9/0.1, weight bound search, both bit maps. */
    ADABM,
    /** Baseline: min/max activation bounds (blended), uw = max|W|, fixed bits, no maps. */
    MINMAX,
    /** Baseline: 1st/99th percentile activation bounds (blended), uw = max(|p1(W)|, |p99(W)|), fixed bits, no maps. */
    PERCENTILE
}
