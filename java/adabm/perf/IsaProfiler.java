package adabm.perf;

import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.backend.onednn.Int8Plan;
import adabm.backend.onednn.NativeCpu;
import adabm.backend.onednn.OneDnnPlan;
import adabm.backend.onednn.ProfileNative;
import adabm.graph.Graph;
import adabm.quant.QuantModel;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Profiles a model in this process under whatever ISA oneDNN has here (the cap is fixed when the process starts:
 * {@link IsaProfileLauncher} gives each level its own process): the float32 plan always, the integer plan (EXACT
 * mode, the image's offset from the artifact's image bit map, as `adabm eval` picks it) when a quantized model is
 * given.
 */
public final class IsaProfiler {
    private IsaProfiler() { }

    /** Milliseconds the clock measurement runs. */
    static final int CLOCK_MS = 300;

    /**
     * @param requested the level the process was started capped at (what the peak is computed for)
     * @param quant     the quantized model, or null for float32 only
     * @param image     [1, C, H, W]
     */
    public static IsaProfile profile(IsaLevel requested, Graph g, QuantModel quant, Tensor image, int threads, int repeats) {
        ProfileNative nat = ProfileNative.instance();
        String effective = nat.effectiveIsa();
        double clock = nat.measureClockHz(CLOCK_MS);
        LayerProfiler.Machine machine = new LayerProfiler.Machine(requested, Math.min(threads, Runtime.getRuntime().availableProcessors()), clock);
        List<PrecisionProfile> runs = new ArrayList<>();
        String backend = NativeCpu.floatBackendName();
        try (Plan plan = Backends.get(backend).compile(g, new BackendOptions(threads))) {
            if (!(plan instanceof OneDnnPlan p)) throw new IllegalStateException("backend " + backend + " compiled a " + plan.getClass().getName());
            p.setProfiling(true);
            runs.add(new PrecisionProfile("float32", LayerProfiler.profile(() -> {
                p.run(image);
                return p.lastProfile();
            }, repeats, g, image.h, image.w, machine)));
        }
        if (quant != null) {
            try (Int8Plan p = new Int8Plan(quant, threads, Int8Plan.Mode.EXACT)) {
                p.setProfiling(true);
                runs.add(new PrecisionProfile("int8", LayerProfiler.profile(() -> {
                    p.run(image);
                    return p.lastProfile();
                }, repeats, g, image.h, image.w, machine)));
            }
        }
        return new IsaProfile(requested, effective, clock, threads, repeats, image.w + "x" + image.h, runs);
    }
}
