package adabm.perf;

/**
 * One row of a per-layer profile: a step of a plan run (a conv with its fused post-ops, another op, a quantize pass, a
 * layout reorder), its oneDNN kernel (convs), its median time, and for convs the work and the share of the peak.
 *
 * @param op        op index in the plan (-1 for the layout reorders)
 * @param name      the op's name, or what the step does ("quantize for body.0.conv1", "input reorder")
 * @param kind      the step kind ({@code adabm.backend.onednn.StepTime.Kind#label}: "fp32 conv", "int8 conv", ...)
 * @param kernel    oneDNN implementation of a conv, "" otherwise
 * @param geometry  "3x3 64->64" for a conv (kernel, input and output channels; "/g" groups), "" otherwise
 * @param ms        median wall time over the timed runs
 * @param macs      multiply-accumulates of a conv for the profiled image (0 for other steps)
 * @param peakOpsPerS the peak that applies to the step (0 for other steps; see {@link PeakOps})
 */
public record LayerProfile(int op, String name, String kind, String kernel, String geometry, double ms, long macs, double peakOpsPerS) {

    public boolean conv() { return macs > 0; }

    /** Achieved ops/s (2 per MAC) in units of 10^9; 0 for steps that are not convs. */
    public double gops() { return macs > 0 && ms > 0 ? 2.0 * macs / (ms * 1e6) : 0; }

    /** Achieved ops/s over the peak, 0..1 (NaN for steps that are not convs). */
    public double peakShare() { return macs > 0 && peakOpsPerS > 0 ? gops() * 1e9 / peakOpsPerS : Double.NaN; }
}
