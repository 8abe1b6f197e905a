package adabm.backend.onednn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

/**
 * A native plan's input and output staging segments: 64-byte aligned, grown (never shrunk) to the largest shape
 * seen, the old arena freed when a larger one replaces it. Not thread-safe: its plan serialises calls.
 * The arenas come from a supplier: shared native memory by default, page-locked memory for the cuda plans.
 */
public final class IoSegments implements AutoCloseable {
    private final Supplier<Arena> arenas;
    private Arena arena;
    MemorySegment in = MemorySegment.NULL, out = MemorySegment.NULL;

    public IoSegments() { this(Arena::ofShared); }

    /** @param arenas makes the arena of each growth step; closing it must free its segments */
    public IoSegments(Supplier<Arena> arenas) { this.arenas = arenas; }

    public MemorySegment in() { return in; }

    public MemorySegment out() { return out; }

    /** Makes room for at least this many input and output floats. */
    public void ensure(long inFloats, long outFloats) {
        if (in.byteSize() >= inFloats * 4 && out.byteSize() >= outFloats * 4) return;
        Arena fresh = arenas.get();
        MemorySegment newIn, newOut;
        try {
            newIn = fresh.allocate(Math.max(inFloats * 4, in.byteSize()), 64);
            newOut = fresh.allocate(Math.max(outFloats * 4, out.byteSize()), 64);
        } catch (RuntimeException | OutOfMemoryError e) {   // pinned memory can run out: keep the old segments
            fresh.close();
            throw e;
        }
        if (arena != null) arena.close();
        arena = fresh;
        in = newIn;
        out = newOut;
    }

    @Override public void close() {
        if (arena != null) arena.close();
        arena = null;
        in = out = MemorySegment.NULL;
    }
}
