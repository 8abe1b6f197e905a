package adabm.backend.cuda;

import adabm.AdabmException;
import adabm.UnsupportedOpException;
import adabm.backend.BackendUnavailableException;
import adabm.backend.onednn.NativeException;
import adabm.backend.onednn.NativeFiles;
import adabm.backend.onednn.ProfileNative;
import adabm.backend.onednn.StepTime;
import adabm.graph.Op;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * libadabm_cuda (native/include/adabm_gpu.h) bound through FFM. The library lies beside libadabm_native.so
 * ({@link NativeFiles#locate}); it is built only where nvcc was present. Loading happens once and a failure is
 * remembered; {@link #unavailableReason()} adds the device probe (no driver, no GPU, too old) and never throws.
 * Every call maps a negative code to a typed exception carrying adabm_gpu_last_error's text: ADABM_E_NO_DEVICE to
 * {@link BackendUnavailableException}, ADABM_E_UNSUPPORTED to {@link UnsupportedOpException}, the rest to
 * {@link NativeException}.
 */
@SuppressWarnings("restricted")   // FFM binding is this class's whole job; --enable-native-access is set by callers
final class CudaNative {
    static final int ABI_VERSION = 1;
    static final String FILE_NAME = "libadabm_cuda.so";
    /** Flag of create: run a version-2 plan's quantized convs as float convs too. */
    static final int FLOAT_ONLY = 1;

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    /** adabm_gpu_bitmap: int32 enabled, (pad), double tau_low, double tau_high, const int32* bits, size_t bits_len. */
    static final StructLayout BITMAP = MemoryLayout.structLayout(I32.withName("enabled"), MemoryLayout.paddingLayout(4),
            F64.withName("tau_low"), F64.withName("tau_high"), PTR.withName("bits_by_offset"), SIZE_T.withName("bits_len"));
    /** adabm_gpu_image_info: double complexity, int32 offset, int32 pad. */
    static final StructLayout IMAGE_INFO = MemoryLayout.structLayout(F64.withName("complexity"), I32.withName("offset"),
            I32.withName("pad_"));

    /** Byte offset of a named field of one of these structs. */
    static long offset(StructLayout struct, String field) {
        return struct.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private final MethodHandle lastError, probe, create, outputShape, run, lastTimes, setProfiling, profile, int8Macs,
            destroy, hostAlloc, hostFree;
    final Path path;

    private CudaNative(Path path) throws Throwable {
        this.path = path;
        SymbolLookup lookup = SymbolLookup.libraryLookup(path, Arena.global());
        int version = (int) bind(lookup, "adabm_gpu_abi_version", FunctionDescriptor.of(I32)).invokeExact();
        if (version != ABI_VERSION)
            throw new IllegalStateException(path + " has GPU ABI version " + version + ", this code needs " + ABI_VERSION);
        lastError = bind(lookup, "adabm_gpu_last_error", FunctionDescriptor.of(PTR));
        probe = bind(lookup, "adabm_gpu_probe", FunctionDescriptor.of(I32, PTR, SIZE_T));
        create = bind(lookup, "adabm_gpu_plan_create", FunctionDescriptor.of(I32, PTR, SIZE_T, I32, PTR));
        outputShape = bind(lookup, "adabm_gpu_plan_output_shape", FunctionDescriptor.of(I32, PTR, I32, I32, I32, I32, PTR));
        run = bind(lookup, "adabm_gpu_plan_run", FunctionDescriptor.of(I32, PTR, PTR, I32, I32, I32, I32, PTR, SIZE_T, PTR,
                PTR, SIZE_T, PTR));
        lastTimes = bind(lookup, "adabm_gpu_plan_last_times", FunctionDescriptor.of(I32, PTR, PTR, PTR, PTR));
        setProfiling = bind(lookup, "adabm_gpu_plan_set_profiling", FunctionDescriptor.of(I32, PTR, I32));
        profile = bind(lookup, "adabm_gpu_plan_profile", FunctionDescriptor.of(I32, PTR, PTR, SIZE_T));
        int8Macs = bind(lookup, "adabm_gpu_plan_int8_macs", FunctionDescriptor.of(I32, PTR, PTR));
        destroy = bind(lookup, "adabm_gpu_plan_destroy", FunctionDescriptor.of(I32, PTR));
        hostAlloc = bind(lookup, "adabm_gpu_host_alloc", FunctionDescriptor.of(I32, SIZE_T, PTR));
        hostFree = bind(lookup, "adabm_gpu_host_free", FunctionDescriptor.of(I32, PTR));
    }

    private static MethodHandle bind(SymbolLookup lookup, String name, FunctionDescriptor fd) {
        MemorySegment symbol = lookup.find(name).orElseThrow(() -> new IllegalStateException("symbol " + name + " is missing"));
        return Linker.nativeLinker().downcallHandle(symbol, fd);
    }

    private static final class Holder {
        static final CudaNative INSTANCE;
        static final String FAILURE;
        static {
            CudaNative lib = null;
            String failure = null;
            try {
                lib = new CudaNative(NativeFiles.locate(FILE_NAME));
            } catch (NoSuchFileException e) {
                failure = FILE_NAME + " not built (no nvcc when native/ was built): " + e.getMessage();
            } catch (Throwable t) {  // dlopen failure, missing symbol, ABI mismatch...
                failure = "cannot load " + FILE_NAME + ": " + t;
            }
            INSTANCE = lib;
            FAILURE = failure;
        }
    }

    /** What the device probe said, once per process (devices do not come and go under a running JVM). */
    private static final class Probed {
        static final String REASON;   // null when a device can run plans
        static final String DEVICE;   // the probe's text either way
        static {
            String reason, device;
            CudaNative lib = Holder.INSTANCE;
            if (lib == null) {
                reason = device = Holder.FAILURE;
            } else {
                try {
                    Probe p = lib.probe();
                    device = p.text();
                    reason = p.usable() ? null : p.text().isBlank() ? "no usable CUDA device (the probe gave no reason)" : p.text();
                } catch (Throwable t) {
                    reason = device = "the CUDA device probe failed: " + t;
                }
            }
            REASON = reason;
            DEVICE = device;
        }
    }

    /** The loaded library, or null; see {@link #loadFailure()}. */
    static CudaNative instance() { return Holder.INSTANCE; }

    /** Why the library did not load, or null if it did (a loaded library may still find no device). */
    static String loadFailure() { return Holder.FAILURE; }

    /** Why GPU plans cannot run here (library missing, no driver, no GPU...), or null when they can. Never throws. */
    static String unavailableReason() {
        try {
            return Probed.REASON;
        } catch (Throwable t) {
            return "cannot probe for a CUDA device: " + t;
        }
    }

    /** The device the plans run on ("NVIDIA H200, sm_90, ..."), or the reason there is none. */
    static String device() { return Probed.DEVICE; }

    /** The library and a device, or BackendUnavailableException saying what is missing (what is unavailable: "cuda-int8"...). */
    static CudaNative require(String what) {
        String reason = unavailableReason();
        if (reason != null) throw new BackendUnavailableException(what + " is unavailable: " + reason);
        return Holder.INSTANCE;
    }

    record Probe(boolean usable, String text) { }

    // ---- calls; each throws a typed exception with the native message on a negative return code ----

    private static IllegalStateException broken(Throwable t) { return new IllegalStateException("native call failed", t); }

    /** The calling thread's native error message. */
    String lastError() {
        try {
            MemorySegment p = (MemorySegment) lastError.invokeExact();
            return p.equals(MemorySegment.NULL) ? "(no message)" : p.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            return "(no message: " + t + ")";
        }
    }

    /** The failed operation, its code and the native message, as the exception type the code calls for. */
    AdabmException error(String operation, int code) {
        String message = lastError();
        return switch (code) {
            case NativeException.NO_DEVICE -> new BackendUnavailableException(operation + " failed (no CUDA device): " + message);
            case NativeException.UNSUPPORTED -> new UnsupportedOpException(operation + " failed (not run by the GPU kernels): " + message);
            default -> new NativeException(operation, code, message);
        };
    }

    /** adabm_gpu_probe: never a negative code by contract; one is reported as unusable with the code. */
    Probe probe() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(1024);
            int rc = (int) probe.invokeExact(buf, buf.byteSize());
            String text = buf.getString(0);
            if (rc < 0) return new Probe(false, "probe returned " + NativeException.codeName(rc) + ": " + text + " " + lastError());
            return new Probe(rc == 1, text);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** Creates a plan from a description (version 1: float32; version 2: integer convs) on device 0. */
    MemorySegment create(MemorySegment description, int flags) {
        int rc;
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(PTR);
            rc = (int) create.invokeExact(description, description.byteSize(), flags, out);
            handle = out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw error("gpu plan create", rc);
        return handle;
    }

    int[] outputShape(MemorySegment plan, int n, int c, int h, int w) {
        int rc;
        int[] shape;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(I32, 4);
            rc = (int) outputShape.invokeExact(plan, n, c, h, w, out);
            shape = out.toArray(I32);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw error("gpu plan output shape", rc);
        return shape;
    }

    /**
     * One pass over n images. bits: n x op-count ints, or NULL to take them from map (a {@link #BITMAP}, or NULL);
     * out's whole size is its capacity; info: n {@link #IMAGE_INFO}s, or NULL.
     */
    void run(MemorySegment plan, MemorySegment in, int n, int c, int h, int w, MemorySegment bits, MemorySegment map,
             MemorySegment out, MemorySegment info) {
        int rc;
        try {
            rc = (int) run.invokeExact(plan, in, n, c, h, w, bits, bits.byteSize() / 4, map, out, out.byteSize() / 4, info);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw error("gpu plan run", rc);
    }

    CudaTimes lastTimes(MemorySegment plan) {
        int rc;
        CudaTimes times;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(F64, 3);
            rc = (int) lastTimes.invokeExact(plan, v, v.asSlice(8), v.asSlice(16));
            times = new CudaTimes(v.getAtIndex(F64, 0), v.getAtIndex(F64, 1), v.getAtIndex(F64, 2));
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw error("gpu plan last times", rc);
        return times;
    }

    void setProfiling(MemorySegment plan, boolean on) {
        int rc;
        try {
            rc = (int) setProfiling.invokeExact(plan, on ? 1 : 0);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw error("gpu plan set profiling", rc);
    }

    /** The steps of the plan's last profiled run; ops[i] names op i of the description the plan was built from. */
    List<StepTime> profile(MemorySegment plan, List<Op> ops) {
        try (Arena arena = Arena.ofConfined()) {
            int count, again;
            try {
                count = (int) profile.invokeExact(plan, MemorySegment.NULL, 0L);
            } catch (Throwable t) {
                throw broken(t);
            }
            if (count < 0) throw error("gpu plan profile", count);
            MemorySegment buf = arena.allocate(ProfileNative.STEP, Math.max(1, count));
            try {
                again = (int) profile.invokeExact(plan, buf, (long) count);
            } catch (Throwable t) {
                throw broken(t);
            }
            if (again < 0) throw error("gpu plan profile", again);
            return ProfileNative.readSteps(buf, Math.min(count, again), ops);
        }
    }

    double int8Macs(MemorySegment plan) {
        int rc;
        double macs;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(F64);
            rc = (int) int8Macs.invokeExact(plan, out);
            macs = out.get(F64, 0);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw error("gpu plan int8 macs", rc);
        return macs;
    }

    void destroy(MemorySegment plan) {
        int rc;
        try {
            rc = (int) destroy.invokeExact(plan);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw error("gpu plan destroy", rc);
    }

    /** Page-locked host memory of at least bytes bytes (its address; free with {@link #hostFree}). */
    MemorySegment hostAlloc(long bytes) {
        int rc;
        MemorySegment p;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(PTR);
            rc = (int) hostAlloc.invokeExact(bytes, out);
            p = out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw error("gpu host alloc", rc);
        return p;
    }

    void hostFree(MemorySegment p) {
        int rc;
        try {
            rc = (int) hostFree.invokeExact(p);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw error("gpu host free", rc);
    }
}
