package adabm.backend.cuda;

import adabm.ShapeException;
import adabm.backend.Plan;
import adabm.backend.onednn.IoSegments;
import adabm.backend.onednn.NativeGuard;
import adabm.backend.onednn.PlanEncoder;
import adabm.backend.onednn.StepTime;
import adabm.graph.AffineFolding;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A graph compiled into one float32 GPU plan (version-1 description, batch norms folded into their convs as the
 * oneDNN plan does): weights uploaded once, every op a CUDA kernel, the whole batch in one pass. Inputs and outputs
 * travel through page-locked segments that grow to the largest batch seen. Runs are serialised by a lock; close()
 * frees the device state at once, a Cleaner frees it if a plan is dropped unclosed.
 */
public final class CudaPlan implements Plan {
    private final Graph graph;
    private final List<Op> compiledOps;   // the ops the native plan numbers (batch norms folded)
    private final CudaNative lib;
    private final NativeState state;
    private final NativeGuard guard;

    /** What must be freed, kept apart from the plan so the Cleaner does not keep the plan reachable. */
    private static final class NativeState implements Runnable {
        final CudaNative lib;
        final MemorySegment handle;
        final IoSegments io;
        final Arena bitsArena = Arena.ofShared();   // zero bits; old ones stay until close (they only grow, by doubling)
        MemorySegment bits = MemorySegment.NULL;

        NativeState(CudaNative lib, MemorySegment handle) {
            this.lib = lib;
            this.handle = handle;
            this.io = new IoSegments(() -> new PinnedArena(lib));
        }

        @Override public void run() {
            io.close();
            bitsArena.close();
            lib.destroy(handle);
        }
    }

    /** @throws adabm.backend.BackendUnavailableException without the library or a usable device */
    public CudaPlan(Graph graph) {
        this.lib = CudaNative.require("backend 'cuda'");
        this.graph = graph;
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            Graph folded = AffineFolding.intoConvs(graph);
            this.compiledOps = folded.ops();
            handle = lib.create(PlanEncoder.encode(folded, arena), 0);
        }
        this.state = new NativeState(lib, handle);
        this.guard = new NativeGuard(this, state, "cuda plan for " + graph.name());
    }

    @Override public Tensor run(Tensor input) {
        if (input.c != graph.inputChannels())
            throw new ShapeException("input has " + input.c + " channels, graph " + graph.name() + " expects " + graph.inputChannels());
        Graph.Shape o = graph.inferShapes(input.h, input.w).get(graph.output());  // typed error naming the node
        long outLen = (long) input.n * o.elements();
        if (outLen > Integer.MAX_VALUE - 8)
            throw new ShapeException("output " + Tensor.shapeString(input.n, o.c(), o.h(), o.w()) + " is too large for one array");
        try (NativeGuard.Held held = guard.enter()) {
            state.io.ensure(input.data.length, outLen);
            MemorySegment in = state.io.in(), out = state.io.out().asSlice(0, outLen * 4);
            MemorySegment.copy(input.data, 0, in, ValueLayout.JAVA_FLOAT, 0, input.data.length);
            // a float plan has no quantized op, so every entry is ignored; the ABI wants bits or a bit map all the same
            lib.run(state.handle, in, input.n, input.c, input.h, input.w, zeroBits(input.n), MemorySegment.NULL, out, MemorySegment.NULL);
            float[] result = new float[(int) outLen];
            MemorySegment.copy(out, ValueLayout.JAVA_FLOAT, 0, result, 0, result.length);
            return new Tensor(input.n, o.c(), o.h(), o.w(), result);
        }
    }

    /** n x op-count activation bits, all 0, grown to the largest batch seen (guarded: one run at a time). */
    private MemorySegment zeroBits(int n) {
        long bytes = 4L * n * compiledOps.size();
        if (state.bits.byteSize() < bytes) state.bits = state.bitsArena.allocate(Math.max(bytes, 2 * state.bits.byteSize()), 4);
        return state.bits.asSlice(0, bytes);
    }

    /** The last run's host-to-device, compute and device-to-host times. */
    public CudaTimes lastTimes() {
        try (NativeGuard.Held held = guard.enter()) {
            return lib.lastTimes(state.handle);
        }
    }

    /** Turns per-step timing (CUDA events around each step) of later runs on or off; off by default. */
    public void setProfiling(boolean on) {
        try (NativeGuard.Held held = guard.enter()) {
            lib.setProfiling(state.handle, on);
        }
    }

    /** The steps of the last run made with profiling on, in run order; ops are those of the folded graph. */
    public List<StepTime> lastProfile() {
        try (NativeGuard.Held held = guard.enter()) {
            return lib.profile(state.handle, compiledOps);
        }
    }

    @Override public void close() { guard.close(); }
}
