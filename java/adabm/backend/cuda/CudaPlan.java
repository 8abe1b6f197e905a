package adabm.backend.cuda;

import adabm.backend.Plan;
import adabm.backend.onednn.PlanEncoder;
import adabm.backend.onednn.StepTime;
import adabm.graph.AffineFolding;
import adabm.graph.Graph;
import adabm.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A graph compiled into one float32 GPU plan (version-1 description, batch norms folded into their convs as the
 * oneDNN plan does): weights uploaded once, every op a CUDA kernel, the whole batch in one pass ({@link GpuPlanHandle}:
 * page-locked copies, one run at a time, freed on close or by a Cleaner).
 */
public final class CudaPlan implements Plan {
    private final Graph graph;
    private final GpuPlanHandle plan;

    /** @throws adabm.backend.BackendUnavailableException without the library or a usable device */
    public CudaPlan(Graph graph) {
        CudaNative lib = CudaNative.require("backend 'cuda'");
        this.graph = graph;
        Graph folded = AffineFolding.intoConvs(graph);
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            handle = lib.create(PlanEncoder.encode(folded, arena), 0);
        }
        this.plan = new GpuPlanHandle(this, lib, handle, folded.ops(), "cuda plan for " + graph.name());
    }

    @Override public Tensor run(Tensor input) {
        Graph.Shape o = graph.outputFor(input.n, input.c, input.h, input.w);  // typed errors naming the node
        float[] out = plan.run(input, input.n * o.elements(), MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL);
        return new Tensor(input.n, o.c(), o.h(), o.w(), out);
    }

    /** The last run's host-to-device, compute and device-to-host times. */
    public CudaTimes lastTimes() { return plan.lastTimes(); }

    /** Turns per-step timing (CUDA events around each step) of later runs on or off; off by default. */
    public void setProfiling(boolean on) { plan.setProfiling(on); }

    /** The steps of the last run made with profiling on, in run order; ops are those of the folded graph. */
    public List<StepTime> lastProfile() { return plan.lastProfile(); }

    @Override public void close() { plan.close(); }
}
