package adabm.perf;

import adabm.backend.cuda.CudaInt8Plan;
import adabm.backend.cuda.CudaPlan;
import adabm.backend.cuda.CudaTimes;
import adabm.graph.Graph;
import adabm.quant.QuantModel;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Profiles a model's GPU plans per step (CUDA events around each step, {@link LayerProfiler} medians): the float32
 * plan always, the integer plan (offset from the artifact's image bit map, computed on the device) with a quantized
 * model. The peak of the GPU is not known here: rows carry GOPS, no share of peak.
 */
public final class GpuProfiler {
    private GpuProfiler() { }

    /** Why the GPU rows cannot run here, or null when they can. */
    public static String unavailableReason() { return CudaInt8Plan.unavailableReason(); }

    public static GpuProfile profile(Graph g, QuantModel quant, Tensor image, int repeats) {
        List<PrecisionProfile> runs = new ArrayList<>();
        List<CudaTimes> splits = new ArrayList<>();
        try (CudaPlan p = new CudaPlan(g)) {
            p.setProfiling(true);
            runs.add(new PrecisionProfile("float32", LayerProfiler.profile(() -> {
                p.run(image);
                return p.lastProfile();
            }, repeats, g, image.h, image.w, int8 -> 0)));
            splits.add(p.lastTimes());
        }
        if (quant != null) {
            try (CudaInt8Plan p = new CudaInt8Plan(quant)) {
                p.setProfiling(true);
                runs.add(new PrecisionProfile("int8", LayerProfiler.profile(() -> {
                    p.run(image);
                    return p.lastProfile();
                }, repeats, g, image.h, image.w, int8 -> 0)));
                splits.add(p.lastTimes());
            }
        }
        return new GpuProfile(CudaInt8Plan.device(), repeats, image.w + "x" + image.h, runs, splits);
    }
}
