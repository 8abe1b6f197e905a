package adabm.backend.onednn;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The adabm_qconv_* entry points of libadabm_native (the standalone exact integer conv), bound through FFM on the
 * library {@link NativeLibrary} loaded. Kept apart from NativeLibrary: the float plan does not depend on them.
 */
@SuppressWarnings("restricted")
final class QuantConvNative {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;

    private final NativeLibrary lib;
    private final MethodHandle create, setWeightBits, outputSize, run, implementation, destroy;

    private QuantConvNative(NativeLibrary lib) {
        this.lib = lib;
        create = lib.bind("adabm_qconv_create",
                FunctionDescriptor.of(I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, PTR, PTR, I32, PTR));
        setWeightBits = lib.bind("adabm_qconv_set_weight_bits", FunctionDescriptor.of(I32, PTR, F32, I32));
        outputSize = lib.bind("adabm_qconv_output_size", FunctionDescriptor.of(I32, PTR, I32, I32, PTR));
        run = lib.bind("adabm_qconv_run", FunctionDescriptor.of(I32, PTR, PTR, SIZE_T, I32, I32, I32,
                F32, F32, I32, PTR, SIZE_T, PTR, SIZE_T, F32, F32, I32));
        implementation = lib.bind("adabm_qconv_implementation", FunctionDescriptor.of(I32, PTR, PTR, SIZE_T));
        destroy = lib.bind("adabm_qconv_destroy", FunctionDescriptor.of(I32, PTR));
    }

    private static final class Holder {
        static final QuantConvNative INSTANCE;
        static final String FAILURE;
        static {
            QuantConvNative bound = null;
            String failure = NativeLibrary.failure();
            try {
                if (failure == null) bound = new QuantConvNative(NativeLibrary.instance());
            } catch (Throwable t) {
                failure = "cannot bind the qconv entry points: " + t;
            }
            INSTANCE = bound;
            FAILURE = failure;
        }
    }

    static QuantConvNative instance() { return Holder.INSTANCE; }

    static String failure() { return Holder.FAILURE; }

    private static IllegalStateException broken(Throwable t) { return new IllegalStateException("native call failed", t); }

    MemorySegment create(QuantConv.Geometry g, MemorySegment weight, MemorySegment bias, int threads) {
        int rc;
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(PTR);
            rc = (int) create.invokeExact(g.inC(), g.outC(), g.kh(), g.kw(), g.padT(), g.padL(), g.padB(), g.padR(),
                    g.groups(), weight, bias, threads, out);
            handle = out.get(ValueLayout.ADDRESS, 0);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw lib.error("qconv create", rc);
        return handle;
    }

    void setWeightBits(MemorySegment handle, float uw, int bits) {
        int rc;
        try {
            rc = (int) setWeightBits.invokeExact(handle, uw, bits);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw lib.error("qconv weight bits", rc);
    }

    int[] outputSize(MemorySegment handle, int h, int w) {
        int rc;
        int[] hw;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(I32, 2);
            rc = (int) outputSize.invokeExact(handle, h, w, out);
            hw = out.toArray(I32);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw lib.error("qconv output size", rc);
        return hw;
    }

    void run(MemorySegment handle, MemorySegment codes, int n, int h, int w, float l, float u, int bits,
             MemorySegment out, MemorySegment outCodes, float nextL, float nextU, int nextBits) {
        int rc;
        try {
            rc = (int) run.invokeExact(handle, codes, codes.byteSize(), n, h, w, l, u, bits,
                    out, out.byteSize() / 4, outCodes, outCodes.byteSize(), nextL, nextU, nextBits);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw lib.error("qconv run", rc);
    }

    String implementation(MemorySegment handle) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            int rc = (int) implementation.invokeExact(handle, buf, buf.byteSize());
            if (rc < 0) throw lib.error("qconv implementation", rc);
            return buf.getString(0);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    void destroy(MemorySegment handle) {
        int rc;
        try {
            rc = (int) destroy.invokeExact(handle);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw lib.error("qconv destroy", rc);
    }
}
