package adabm.backend.onednn;

import adabm.backend.Plan;
import adabm.graph.AffineFolding;
import adabm.graph.Graph;
import adabm.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A graph compiled into one native plan. Runs are serialised by a lock (the native plan is single-threaded; its
 * kernels use the plan's OpenMP threads). Input and output travel through per-plan native segments that grow to
 * the largest shape seen. close() frees the native plan at once; a Cleaner frees it if a plan is dropped unclosed.
 */
public final class OneDnnPlan implements Plan {

    private final Graph graph;
    private final List<adabm.graph.Op> compiledOps;   // the ops the native plan numbers (batch norms folded)
    private final NativeLibrary lib;
    private final NativeState state;
    private final NativeGuard guard;

    /** What must be freed: kept apart from the plan so the Cleaner does not keep the plan reachable. */
    private static final class NativeState implements Runnable {
        final NativeLibrary lib;
        final MemorySegment handle;
        final IoSegments io = new IoSegments();

        NativeState(NativeLibrary lib, MemorySegment handle) { this.lib = lib; this.handle = handle; }

        @Override public void run() {
            io.close();
            lib.destroy(handle);
        }
    }

    OneDnnPlan(Graph graph, NativeLibrary lib, int threads) {
        this.graph = graph;
        this.lib = lib;
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            // conv -> batch norm pairs run as one conv (the graph keeps them apart for quantization)
            Graph folded = AffineFolding.intoConvs(graph);
            this.compiledOps = folded.ops();
            MemorySegment description = PlanEncoder.encode(folded, arena);
            handle = lib.create(description, description.byteSize(), threads);
        }
        this.state = new NativeState(lib, handle);
        this.guard = new NativeGuard(this, state, "onednn plan for " + graph.name());
    }

    @Override public Tensor run(Tensor input) {
        try (NativeGuard.Held held = guard.enter()) {
            Graph.Shape o = graph.outputFor(input.n, input.c, input.h, input.w);  // typed errors naming the node
            long outLen = (long) input.n * o.elements();
            state.io.ensure(input.data.length, outLen);
            MemorySegment.copy(input.data, 0, state.io.in, ValueLayout.JAVA_FLOAT, 0, input.data.length);
            lib.run(state.handle, state.io.in, input.n, input.c, input.h, input.w, state.io.out, outLen);
            float[] out = new float[(int) outLen];
            MemorySegment.copy(state.io.out, ValueLayout.JAVA_FLOAT, 0, out, 0, out.length);
            return new Tensor(input.n, o.c(), o.h(), o.w(), out);
        }
    }

    /** Number of input shapes the native plan holds state for (bounded by a small LRU). */
    public int cachedShapes() {
        try (NativeGuard.Held held = guard.enter()) {
            return lib.cachedShapes(state.handle);
        }
    }

    /** oneDNN implementation of each conv for the most recently run input shape, one per line. */
    public String convImplementations() {
        try (NativeGuard.Held held = guard.enter()) {
            return lib.implementations(state.handle);
        }
    }

    /** Turns per-step timing of later runs on or off (off by default: runs then pay one branch per step). */
    public void setProfiling(boolean on) {
        try (NativeGuard.Held held = guard.enter()) {
            ProfileNative.instance().setProfiling(state.handle, false, on);
        }
    }

    /**
     * The steps of the last run made with profiling on, in run order (empty before one). Ops are those of the compiled
     * graph: a conv followed by a batch norm is one folded conv of the same name, and a conv step includes the ops
     * fused into it as post-ops.
     */
    public List<StepTime> lastProfile() {
        try (NativeGuard.Held held = guard.enter()) {
            return ProfileNative.instance().profile(state.handle, false, compiledOps);
        }
    }

    @Override public void close() { guard.close(); }
}
