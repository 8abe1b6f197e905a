package adabm.backend.cuda;

import adabm.backend.onednn.IoSegments;
import adabm.backend.onednn.NativeGuard;
import adabm.backend.onednn.StepTime;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * One native GPU plan as {@link CudaPlan} and {@link CudaInt8Plan} hold it: the handle, its page-locked input and
 * output segments (grown to the largest batch seen), and the guard that serialises calls and frees everything on
 * close (a Cleaner for a plan dropped unclosed); plus the calls both plans make.
 */
final class GpuPlanHandle {
    private final CudaNative lib;
    private final List<Op> ops;   // the ops the native plan numbers
    private final State state;
    private final NativeGuard guard;

    /** What must be freed, kept apart from the owner so the Cleaner does not keep it reachable. */
    private static final class State implements Runnable {
        final CudaNative lib;
        final MemorySegment handle;
        final IoSegments io;

        State(CudaNative lib, MemorySegment handle) {
            this.lib = lib;
            this.handle = handle;
            this.io = new IoSegments(() -> new PinnedArena(lib));
        }

        @Override public void run() {
            io.close();
            lib.destroy(handle);
        }
    }

    /** @param owner the plan whose unreachability frees the native plan; name: for the closed-plan error */
    GpuPlanHandle(Object owner, CudaNative lib, MemorySegment handle, List<Op> ops, String name) {
        this.lib = lib;
        this.ops = ops;
        this.state = new State(lib, handle);
        this.guard = new NativeGuard(owner, state, name);
    }

    /**
     * One native pass over the batch (bits, map, info as {@link CudaNative#run}); returns the outLen output floats.
     */
    float[] run(Tensor batch, long outLen, MemorySegment bits, MemorySegment map, MemorySegment info) {
        float[] result = new float[(int) outLen];
        try (NativeGuard.Held held = guard.enter()) {
            state.io.ensure(batch.data.length, outLen);
            MemorySegment in = state.io.in(), out = state.io.out().asSlice(0, outLen * 4);
            MemorySegment.copy(batch.data, 0, in, ValueLayout.JAVA_FLOAT, 0, batch.data.length);
            lib.run(state.handle, in, batch.n, batch.c, batch.h, batch.w, bits, map, out, info);
            MemorySegment.copy(out, ValueLayout.JAVA_FLOAT, 0, result, 0, result.length);
        }
        return result;
    }

    CudaTimes lastTimes() {
        try (NativeGuard.Held held = guard.enter()) {
            return lib.lastTimes(state.handle);
        }
    }

    double int8Macs() {
        try (NativeGuard.Held held = guard.enter()) {
            return lib.int8Macs(state.handle);
        }
    }

    void setProfiling(boolean on) {
        try (NativeGuard.Held held = guard.enter()) {
            lib.setProfiling(state.handle, on);
        }
    }

    List<StepTime> lastProfile() {
        try (NativeGuard.Held held = guard.enter()) {
            return lib.profile(state.handle, ops);
        }
    }

    void close() { guard.close(); }
}
