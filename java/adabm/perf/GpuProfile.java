package adabm.perf;

import adabm.backend.cuda.CudaTimes;
import java.util.List;

/**
 * What `adabm profile` measured on the GPU: per precision (float32, int8) the per-step rows (CUDA event times, medians
 * over the repeats) and the time split of the last whole run.
 *
 * @param device  the GPU as the probe names it
 * @param repeats timed runs per plan after one warm-up run
 * @param image   the profiled image, "w x h"
 * @param splits  per run of {@code runs}, in order: host-to-device, compute and device-to-host time of its last run
 */
public record GpuProfile(String device, int repeats, String image, List<PrecisionProfile> runs, List<CudaTimes> splits) {
    public GpuProfile {
        runs = List.copyOf(runs);
        splits = List.copyOf(splits);
        if (runs.size() != splits.size()) throw new IllegalArgumentException(runs.size() + " runs, " + splits.size() + " time splits");
    }
}
