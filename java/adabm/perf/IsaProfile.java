package adabm.perf;

import java.util.List;

/**
 * What one run of `adabm profile` under one ISA cap measured (in the child process that had the cap).
 *
 * @param isa          the level oneDNN was capped at (ONEDNN_MAX_CPU_ISA)
 * @param effectiveIsa what oneDNN reported as its effective ISA under the cap
 * @param clockHz      the measured core clock
 * @param threads      threads of the plans (the cores the peak counts)
 * @param repeats      timed runs per plan (medians over them), after one warm-up run
 * @param image        the profiled image, "w x h"
 */
public record IsaProfile(IsaLevel isa, String effectiveIsa, double clockHz, int threads, int repeats, String image,
                         List<PrecisionProfile> runs) {
    public IsaProfile {
        runs = List.copyOf(runs);
    }

    /**
     * Whether oneDNN's effective ISA is the one the cap asked for (the cap took effect and the CPU has the level);
     * always on aarch64, where nothing is capped.
     */
    public boolean capHeld() { return isa.aarch64() || isa.onednnName().equals(effectiveIsa); }

    /** The conv kernels naming an ISA above the cap (empty when the cap held for every kernel). */
    public List<String> kernelsAboveCap() {
        return runs.stream().flatMap(r -> r.rows().stream()).map(LayerProfile::kernel)
                .filter(k -> !k.isEmpty() && !isa.aarch64() && !KernelIsa.withinCap(k, isa)).distinct().toList();
    }
}
