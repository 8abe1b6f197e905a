package adabm.backend.onednn;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The adabm_fconv_* entry points of libadabm_native (float32 per-conv kernels: forward, backward data, backward
 * weights), bound through FFM on the library {@link NativeLibrary} loaded. Every call throws
 * {@link NativeException} with the native message on a negative return code.
 * <p>
 * The three passes are critical downcalls that accept heap segments: oneDNN reorders straight out of and into the
 * Java arrays, with no copy through native buffers (at 2 threads the two serial 4.7 MB copies of an EDSR conv cost a
 * third of the call). The native side keeps no pointer past the call. A critical call holds off garbage collection
 * while it runs (milliseconds per conv at training sizes).
 */
@SuppressWarnings("restricted")
final class FloatConvNative {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    static final String NO_ACL_TRAINING = "the float32 training kernels are oneDNN-only; on aarch64 the Java reference kernels run";

    private final NativeLibrary lib;
    private final MethodHandle workspaceCreate, workspaceBytes, workspaceDestroy, create, forward, backwardData,
            backwardWeights, implementation, cachedShapes, destroy;

    private FloatConvNative(NativeLibrary lib) {
        this.lib = lib;
        workspaceCreate = lib.bind("adabm_fconv_workspace_create", FunctionDescriptor.of(I32, I32, PTR));
        workspaceBytes = lib.bind("adabm_fconv_workspace_bytes", FunctionDescriptor.of(I32, PTR, PTR));
        workspaceDestroy = lib.bind("adabm_fconv_workspace_destroy", FunctionDescriptor.of(I32, PTR));
        create = lib.bind("adabm_fconv_create", FunctionDescriptor.of(I32, PTR, I32, I32, I32, I32, I32, I32, I32, I32, I32, PTR));
        Linker.Option heap = Linker.Option.critical(true);
        forward = lib.bind("adabm_fconv_forward", FunctionDescriptor.of(I32, PTR, I32, I32, I32, I32, PTR, PTR, PTR, PTR, SIZE_T), heap);
        backwardData = lib.bind("adabm_fconv_backward_data", FunctionDescriptor.of(I32, PTR, I32, I32, I32, I32, PTR, PTR, PTR, SIZE_T), heap);
        backwardWeights = lib.bind("adabm_fconv_backward_weights", FunctionDescriptor.of(I32, PTR, I32, I32, I32, I32, PTR, PTR, PTR, SIZE_T), heap);
        implementation = lib.bind("adabm_fconv_implementation", FunctionDescriptor.of(I32, PTR, PTR, SIZE_T));
        cachedShapes = lib.bind("adabm_fconv_cached_shapes", FunctionDescriptor.of(I32, PTR));
        destroy = lib.bind("adabm_fconv_destroy", FunctionDescriptor.of(I32, PTR));
    }

    private static final class Holder {
        static final FloatConvNative INSTANCE;
        static final String FAILURE;
        static {
            FloatConvNative bound = null;
            String failure = NativeLibrary.failure();
            // the aarch64 (ACL) build exports the entry points but refuses to make a workspace: say so up front,
            // so callers fall back to the Java kernels as they do without a library
            if (failure == null && !NativeLibrary.instance().backend.equals(NativeCpu.ONEDNN))
                failure = NO_ACL_TRAINING;
            try {
                if (failure == null) bound = new FloatConvNative(NativeLibrary.instance());
            } catch (Throwable t) {
                failure = "cannot bind the fconv entry points: " + t;
            }
            INSTANCE = bound;
            FAILURE = failure;
        }
    }

    /** The bound entry points, or null; see {@link #failure()}. */
    static FloatConvNative instance() { return Holder.INSTANCE; }

    /** Why the entry points are not available, or null if they are. */
    static String failure() { return Holder.FAILURE; }

    private static IllegalStateException broken(Throwable t) { return new IllegalStateException("native call failed", t); }

    private void check(int rc, String operation) {
        if (rc != 0) throw lib.error(operation, rc);
    }

    MemorySegment createWorkspace(int threads) {
        int rc;
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(PTR);
            rc = (int) workspaceCreate.invokeExact(threads, out);
            handle = out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw broken(t);
        }
        check(rc, "fconv workspace create");
        return handle;
    }

    long workspaceBytes(MemorySegment workspace) {
        int rc;
        long bytes;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
            rc = (int) workspaceBytes.invokeExact(workspace, out);
            bytes = out.get(ValueLayout.JAVA_LONG, 0);
        } catch (Throwable t) {
            throw broken(t);
        }
        check(rc, "fconv workspace bytes");
        return bytes;
    }

    void destroyWorkspace(MemorySegment workspace) {
        int rc;
        try {
            rc = (int) workspaceDestroy.invokeExact(workspace);
        } catch (Throwable t) {
            throw broken(t);
        }
        check(rc, "fconv workspace destroy");
    }

    MemorySegment create(MemorySegment workspace, OneDnnConvKernels.Geometry g) {
        int rc;
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(PTR);
            rc = (int) create.invokeExact(workspace, g.inC(), g.outC(), g.kh(), g.kw(), g.padT(), g.padL(), g.padB(), g.padR(),
                    g.groups(), out);
            handle = out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw broken(t);
        }
        check(rc, "fconv create");
        return handle;
    }

    void forward(MemorySegment conv, int n, int h, int w, boolean channelsLast, MemorySegment src, MemorySegment weight, MemorySegment bias,
                 MemorySegment dst) {
        int rc;
        try {
            rc = (int) forward.invokeExact(conv, n, h, w, channelsLast ? 1 : 0, src, weight, bias, dst, dst.byteSize() / 4);
        } catch (Throwable t) {
            throw broken(t);
        }
        check(rc, "fconv forward");
    }

    void backwardData(MemorySegment conv, int n, int h, int w, boolean channelsLast, MemorySegment diffDst, MemorySegment weight, MemorySegment diffSrc) {
        int rc;
        try {
            rc = (int) backwardData.invokeExact(conv, n, h, w, channelsLast ? 1 : 0, diffDst, weight, diffSrc, diffSrc.byteSize() / 4);
        } catch (Throwable t) {
            throw broken(t);
        }
        check(rc, "fconv backward data");
    }

    void backwardWeights(MemorySegment conv, int n, int h, int w, boolean channelsLast, MemorySegment src, MemorySegment diffDst, MemorySegment diffWeight) {
        int rc;
        try {
            rc = (int) backwardWeights.invokeExact(conv, n, h, w, channelsLast ? 1 : 0, src, diffDst, diffWeight, diffWeight.byteSize() / 4);
        } catch (Throwable t) {
            throw broken(t);
        }
        check(rc, "fconv backward weights");
    }

    String implementation(MemorySegment conv) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            int rc = (int) implementation.invokeExact(conv, buf, buf.byteSize());
            if (rc < 0) throw lib.error("fconv implementation", rc);
            return buf.getString(0);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    int cachedShapes(MemorySegment conv) {
        int rc;
        try {
            rc = (int) cachedShapes.invokeExact(conv);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc < 0) throw lib.error("fconv cached shapes", rc);
        return rc;
    }

    void destroy(MemorySegment conv) {
        int rc;
        try {
            rc = (int) destroy.invokeExact(conv);
        } catch (Throwable t) {
            throw broken(t);
        }
        check(rc, "fconv destroy");
    }
}
