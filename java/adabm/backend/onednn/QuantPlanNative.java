package adabm.backend.onednn;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** The adabm_qplan_* entry points of libadabm_native (the integer plan, native/src/qplan.h), bound through FFM. */
@SuppressWarnings("restricted")
final class QuantPlanNative {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    private final NativeLibrary lib;
    private final MethodHandle create, run, cachedShapes, implementations, destroy;

    private QuantPlanNative(NativeLibrary lib) {
        this.lib = lib;
        create = lib.bind("adabm_qplan_create", FunctionDescriptor.of(I32, PTR, SIZE_T, I32, I32, PTR));
        run = lib.bind("adabm_qplan_run", FunctionDescriptor.of(I32, PTR, PTR, I32, I32, I32, I32, PTR, SIZE_T, PTR, SIZE_T));
        cachedShapes = lib.bind("adabm_qplan_cached_shapes", FunctionDescriptor.of(I32, PTR));
        implementations = lib.bind("adabm_qplan_implementations", FunctionDescriptor.of(I32, PTR, PTR, SIZE_T));
        destroy = lib.bind("adabm_qplan_destroy", FunctionDescriptor.of(I32, PTR));
    }

    private static final class Holder {
        static final QuantPlanNative INSTANCE;
        static final String FAILURE;
        static {
            QuantPlanNative bound = null;
            String failure = NativeLibrary.failure();
            try {
                if (failure == null) bound = new QuantPlanNative(NativeLibrary.instance());
            } catch (Throwable t) {
                failure = "cannot bind the qplan entry points: " + t;
            }
            INSTANCE = bound;
            FAILURE = failure;
        }
    }

    static QuantPlanNative instance() { return Holder.INSTANCE; }

    static String failure() { return Holder.FAILURE; }

    private static IllegalStateException broken(Throwable t) { return new IllegalStateException("native call failed", t); }

    /** Flag of create: u8 codes straight from oneDNN between quantized convs (native/src/qplan.h). */
    static final int DIRECT_CODES = 1;
    /** Flag of create: every non-conv op and quantize pass on its own, no fused chains (the reference fusion must match). */
    static final int UNFUSED = 2;

    MemorySegment create(MemorySegment description, int threads, int flags) {
        int rc;
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(PTR);
            rc = (int) create.invokeExact(description, description.byteSize(), threads, flags, out);
            handle = out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw lib.error("integer plan create", rc);
        return handle;
    }

    void run(MemorySegment plan, MemorySegment in, int n, int c, int h, int w, MemorySegment bits, MemorySegment out) {
        int rc;
        try {
            rc = (int) run.invokeExact(plan, in, n, c, h, w, bits, bits.byteSize() / 4, out, out.byteSize() / 4);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw lib.error("integer plan run", rc);
    }

    int cachedShapes(MemorySegment plan) {
        int rc;
        try {
            rc = (int) cachedShapes.invokeExact(plan);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc < 0) throw lib.error("integer plan cached shapes", rc);
        return rc;
    }

    String implementations(MemorySegment plan) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1 << 16);
            int rc = (int) implementations.invokeExact(plan, buf, buf.byteSize());
            if (rc < 0) throw lib.error("integer plan implementations", rc);
            return buf.getString(0);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    void destroy(MemorySegment plan) {
        int rc;
        try {
            rc = (int) destroy.invokeExact(plan);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw lib.error("integer plan destroy", rc);
    }
}
