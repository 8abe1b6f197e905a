package adabm.backend.cuda;

/**
 * A GPU plan run's time split in milliseconds, from CUDA events: the host-to-device copy of the inputs, the kernels,
 * the device-to-host copy of the outputs (adabm_gpu_plan_last_times).
 */
public record CudaTimes(double h2dMs, double computeMs, double d2hMs) {
    public double totalMs() { return h2dMs + computeMs + d2hMs; }

    /** Share of the run spent copying, 0..1. */
    public double copyShare() {
        double total = totalMs();
        return total > 0 ? (h2dMs + d2hMs) / total : 0;
    }
}
