package adabm.backend.onednn;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * libadabm_native bound through FFM, found by {@link NativeFiles#locate} (-Dadabm.native.dir, native/ beside the jar,
 * or the jar's own copy for this platform). The same C ABI is built twice: on x86-64 over oneDNN, on aarch64 over the
 * ARM Compute Library; {@link #backend} says which one loaded. Loading happens once; a failure is remembered and
 * reported by {@link #failure()}, never thrown at class init.
 */
@SuppressWarnings("restricted")   // FFM binding is this class's whole job; --enable-native-access is set by callers
public final class NativeLibrary {
    /** 3: adds adabm_native_backend (which CPU library the build sits on) and adabm_qplan_output_shape. */
    static final int ABI_VERSION = 3;
    static final String FILE_NAME = "libadabm_native.so";

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    private final MethodHandle lastError, planCreate, planOutputShape, planRun, planCachedShapes, planImplementations, planDestroy;
    final Path path;
    /** "onednn" (the x86-64 build) or "acl" (the aarch64 build), as adabm_native_backend says. */
    final String backend;
    private final SymbolLookup lookup;

    private NativeLibrary(Path path) throws Throwable {
        this.path = path;
        this.lookup = SymbolLookup.libraryLookup(path, Arena.global());
        MethodHandle abi = bind("adabm_abi_version", FunctionDescriptor.of(I32));
        int version = (int) abi.invokeExact();
        if (version != ABI_VERSION)
            throw new IllegalStateException(path + " has ABI version " + version + ", this code needs " + ABI_VERSION);
        lastError = bind("adabm_last_error", FunctionDescriptor.of(PTR));
        MemorySegment name = (MemorySegment) bind("adabm_native_backend", FunctionDescriptor.of(PTR)).invokeExact();
        backend = name.reinterpret(64).getString(0);
        if (!backend.equals(NativeCpu.ONEDNN) && !backend.equals(NativeCpu.ACL))
            throw new IllegalStateException(path + " names an unknown CPU backend '" + backend + "'");
        planCreate = bind("adabm_plan_create", FunctionDescriptor.of(I32, PTR, SIZE_T, I32, PTR));
        planOutputShape = bind("adabm_plan_output_shape", FunctionDescriptor.of(I32, PTR, I32, I32, I32, I32, PTR));
        planRun = bind("adabm_plan_run", FunctionDescriptor.of(I32, PTR, PTR, I32, I32, I32, I32, PTR, SIZE_T));
        planCachedShapes = bind("adabm_plan_cached_shapes", FunctionDescriptor.of(I32, PTR));
        planImplementations = bind("adabm_plan_implementations", FunctionDescriptor.of(I32, PTR, PTR, SIZE_T));
        planDestroy = bind("adabm_plan_destroy", FunctionDescriptor.of(I32, PTR));
    }

    /** A downcall handle for one of the library's entry points (other bindings of this library use it too). */
    MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new IllegalStateException("symbol " + name + " is missing"));
        return Linker.nativeLinker().downcallHandle(symbol, fd, options);
    }

    private static final class Holder {
        static final NativeLibrary INSTANCE;
        static final String FAILURE;
        static {
            NativeLibrary lib = null;
            String failure = null;
            try {
                failure = platformProblem();
                if (failure == null) lib = new NativeLibrary(NativeFiles.locate(FILE_NAME));
            } catch (Throwable t) {  // UnsatisfiedLinkError, IllegalArgumentException from dlopen, ABI mismatch...
                failure = "cannot load " + FILE_NAME + ": " + t;
            }
            INSTANCE = lib;
            FAILURE = failure;
        }
    }

    /** The loaded library, or null; see {@link #failure()}. */
    static NativeLibrary instance() { return Holder.INSTANCE; }

    /** Why the library is not available, or null if it is. */
    static String failure() { return Holder.FAILURE; }

    /** Why no native build fits this machine, or null when one does. */
    static String platformProblem() { return NativePlatform.currentProblem(); }

    // ---- calls; each throws NativeException with the native message on a negative return code ----

    /** The calling thread's native error message, wrapped with the failed operation and its code. */
    NativeException error(String operation, int code) {
        String message;
        try {
            MemorySegment p = (MemorySegment) lastError.invokeExact();
            message = p.reinterpret(Integer.MAX_VALUE).getString(0);   // a NUL-terminated C string
        } catch (Throwable t) {
            message = "(no message: " + t + ")";
        }
        return new NativeException(operation, code, message);
    }

    /** Creates a native plan from a plan description; the caller must {@link #destroy} it. */
    MemorySegment create(byte[] description, int threads) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment desc = arena.allocate(Math.max(1, description.length));
            MemorySegment.copy(description, 0, desc, ValueLayout.JAVA_BYTE, 0, description.length);
            return create(desc, description.length, threads);
        }
    }

    /** Creates a native plan from the first length bytes of description (which the plan does not keep). */
    MemorySegment create(MemorySegment description, long length, int threads) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(PTR);
            int rc = (int) planCreate.invokeExact(description, length, threads, out);
            if (rc != 0) throw error("plan create", rc);
            return out.get(ValueLayout.ADDRESS, 0);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    int[] outputShape(MemorySegment plan, int n, int c, int h, int w) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(I32, 4);
            int rc = (int) planOutputShape.invokeExact(plan, n, c, h, w, out);
            if (rc != 0) throw error("output shape", rc);
            return out.toArray(I32);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    void run(MemorySegment plan, MemorySegment in, int n, int c, int h, int w, MemorySegment out, long outCapacity) {
        int rc;
        try {
            rc = (int) planRun.invokeExact(plan, in, n, c, h, w, out, outCapacity);
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
        if (rc != 0) throw error("plan run", rc);
    }

    int cachedShapes(MemorySegment plan) {
        int rc;
        try {
            rc = (int) planCachedShapes.invokeExact(plan);
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
        if (rc < 0) throw error("cached shapes", rc);
        return rc;
    }

    /** oneDNN implementation names of the convs of the plan's most recently run shape. */
    String implementations(MemorySegment plan) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1 << 16);
            int rc = (int) planImplementations.invokeExact(plan, buf, buf.byteSize());
            if (rc < 0) throw error("implementations", rc);
            return buf.getString(0);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    void destroy(MemorySegment plan) {
        int rc;
        try {
            rc = (int) planDestroy.invokeExact(plan);
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
        if (rc != 0) throw error("plan destroy", rc);
    }
}
