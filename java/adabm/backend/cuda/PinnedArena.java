package adabm.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An arena of page-locked host memory (adabm_gpu_host_alloc): the GPU plans copy such inputs and outputs directly,
 * where other memory goes through their own pinned staging buffers first. Closing it frees every segment it gave.
 * The IoSegments of the cuda plans grow through these.
 */
final class PinnedArena implements Arena {
    private final CudaNative lib;
    private final Arena scope = Arena.ofShared();   // lifetime of the segments; its close runs the frees

    PinnedArena(CudaNative lib) { this.lib = lib; }

    @Override public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < 0 || byteAlignment <= 0 || (byteAlignment & (byteAlignment - 1)) != 0)
            throw new IllegalArgumentException("allocation of " + byteSize + " bytes aligned to " + byteAlignment);
        MemorySegment p = lib.hostAlloc(Math.max(1, byteSize));
        if (p.address() % byteAlignment != 0) {   // cudaHostAlloc gives page-aligned memory; be loud if that changes
            lib.hostFree(p);
            throw new IllegalStateException("pinned memory at " + p.address() + " is not aligned to " + byteAlignment);
        }
        return p.reinterpret(byteSize, scope, lib::hostFree);
    }

    @Override public MemorySegment.Scope scope() { return scope.scope(); }

    @Override public void close() { scope.close(); }
}
