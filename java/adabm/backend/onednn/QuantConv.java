package adabm.backend.onednn;

import adabm.ShapeException;
import adabm.backend.BackendUnavailableException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One fake-quantized convolution (ADABM.md §2) run exactly in integers on oneDNN (ADABM.md §8): u8 activation codes
 * (NHWC) in, float32 (NHWC) and optionally the next quantizer's u8 codes out. Stride 1, "groups" allowed; the
 * zero padding is real 0.0. Weights are re-quantized by {@link #setWeightBits}; any activation bit width runs on
 * the same native primitive. Input and outputs travel through segments of an arena this object owns, grown to
 * the largest shape seen; {@link #close()} frees everything (a Cleaner does if it is dropped unclosed).
 */
public final class QuantConv implements AutoCloseable {

    /** Channels, kernel, paddings (top, left, bottom, right) and groups. */
    public record Geometry(int inC, int outC, int kh, int kw, int padT, int padL, int padB, int padR, int groups) {
        /** A k x k kernel with "same" padding k/2 on every side (k odd). */
        public static Geometry same(int inC, int outC, int k, int groups) {
            return new Geometry(inC, outC, k, k, k / 2, k / 2, k / 2, k / 2, groups);
        }

        long weightCount() { return (long) outC * (inC / Math.max(1, groups)) * kh * kw; }
    }

    /** The next layer's activation quantizer (l < u, 1..8 bits), for requantized output codes. */
    public record Requant(float l, float u, int bits) { }

    /** An NHWC result: values (float32) and, when requantized, codes (u8 as bytes) else null. */
    public record Output(int n, int h, int w, int c, float[] values, byte[] codes) { }

    private final QuantConvNative lib;
    private final Geometry geometry;
    private final NativeState state;
    private final NativeGuard guard;
    private boolean weightsSet;

    private static final class NativeState implements Runnable {
        final QuantConvNative lib;
        final MemorySegment handle;
        Arena arena;
        MemorySegment in = MemorySegment.NULL, out = MemorySegment.NULL, codes = MemorySegment.NULL;

        NativeState(QuantConvNative lib, MemorySegment handle) { this.lib = lib; this.handle = handle; }

        @Override public void run() {
            if (arena != null) arena.close();
            lib.destroy(handle);
        }
    }

    /** Why the native conv cannot run here, or null if it can. */
    public static String unavailableReason() { return QuantConvNative.failure(); }

    /** weightOihw: outC x inC/groups x kh x kw floats, bias: outC floats (both copied); threads <= 0: OpenMP default. */
    public QuantConv(Geometry geometry, float[] weightOihw, float[] bias, int threads) {
        QuantConvNative bound = QuantConvNative.instance();
        if (bound == null) throw new BackendUnavailableException("the native int8 conv is unavailable: " + QuantConvNative.failure());
        if (geometry.groups() <= 0 || weightOihw.length != geometry.weightCount() || bias.length != geometry.outC())
            throw new ShapeException("qconv " + geometry + ": got " + weightOihw.length + " weights and " + bias.length
                    + " biases, expected " + geometry.weightCount() + " and " + geometry.outC());
        this.lib = bound;
        this.geometry = geometry;
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocateFrom(ValueLayout.JAVA_FLOAT, weightOihw);
            MemorySegment b = arena.allocateFrom(ValueLayout.JAVA_FLOAT, bias);
            handle = lib.create(geometry, w, b, threads);
        }
        state = new NativeState(lib, handle);
        guard = new NativeGuard(this, state, "qconv");
    }

    public Geometry geometry() { return geometry; }

    /** Quantizes the weights symmetrically (ADABM.md §2): 2^bits levels (bits 1..8) spread over [-uw, uw], uw > 0. */
    public void setWeightBits(float uw, int bits) {
        try (NativeGuard.Held held = guard.enter()) {
            lib.setWeightBits(state.handle, uw, bits);
            weightsSet = true;
        }
    }

    /** [ho, wo] for an h x w input. */
    public int[] outputSize(int h, int w) {
        try (NativeGuard.Held held = guard.enter()) {
            return lib.outputSize(state.handle, h, w);
        }
    }

    /**
     * Runs on codesNhwc (n x h x w x inC u8 codes of the quantizer l, u, bits); next == null: float output only.
     */
    public Output run(byte[] codesNhwc, int n, int h, int w, float l, float u, int bits, Requant next) {
        return run(codesNhwc, n, h, w, l, u, bits, next, true);
    }

    /** Codes only (values null): the fast path of {@link #runBuffers(int, int, int, float, float, int, Requant, boolean)}. */
    public Output runCodes(byte[] codesNhwc, int n, int h, int w, float l, float u, int bits, Requant next) {
        return run(codesNhwc, n, h, w, l, u, bits, java.util.Objects.requireNonNull(next, "next"), false);
    }

    private Output run(byte[] codesNhwc, int n, int h, int w, float l, float u, int bits, Requant next, boolean keepFloats) {
        try (NativeGuard.Held held = guard.enter()) {
            MemorySegment in = inputBuffer(n, h, w);
            if (codesNhwc.length != in.byteSize())
                throw new ShapeException("qconv input has " + codesNhwc.length + " codes, " + n + "x" + h + "x" + w + "x"
                        + geometry.inC() + " needs " + in.byteSize());
            MemorySegment.copy(codesNhwc, 0, in, ValueLayout.JAVA_BYTE, 0, codesNhwc.length);
            runBuffers(n, h, w, l, u, bits, next, keepFloats);
            int[] o = lib.outputSize(state.handle, h, w);
            int count = Math.toIntExact((long) n * o[0] * o[1] * geometry.outC());
            float[] values = keepFloats ? state.out.asSlice(0, count * 4L).toArray(ValueLayout.JAVA_FLOAT) : null;
            byte[] codes = next == null ? null : state.codes.asSlice(0, count).toArray(ValueLayout.JAVA_BYTE);
            return new Output(n, o[0], o[1], geometry.outC(), values, codes);
        }
    }

    /**
     * The owned input segment, sized exactly for n x h x w x inC codes: fill it, then {@link #runBuffers}. Valid
     * until the next call that needs larger buffers, or close.
     */
    public MemorySegment inputBuffer(int n, int h, int w) {
        try (NativeGuard.Held held = guard.enter()) {
            int[] o = lib.outputSize(state.handle, h, w);  // typed error for a bad size
            if (n <= 0) throw new ShapeException("qconv batch size " + n + " is not positive");
            long inBytes = (long) n * h * w * geometry.inC();
            long outCount = (long) n * o[0] * o[1] * geometry.outC();
            ensureCapacity(inBytes, outCount);
            return state.in.asSlice(0, inBytes);
        }
    }

    /** Runs on the input segment; results go to {@link #outputBuffer()} and (next != null) {@link #codesBuffer()}. */
    public void runBuffers(int n, int h, int w, float l, float u, int bits, Requant next) {
        runBuffers(n, h, w, l, u, bits, next, true);
    }

    /**
     * As above; keepFloats false (with next != null) skips the float output, which lets the native side write the
     * codes straight from oneDNN (weight bits <= 7) and fix only the border ring.
     */
    public void runBuffers(int n, int h, int w, float l, float u, int bits, Requant next, boolean keepFloats) {
        try (NativeGuard.Held held = guard.enter()) {
            if (!weightsSet) throw new IllegalStateException("qconv: call setWeightBits before running");
            long inBytes = (long) n * h * w * geometry.inC();
            if (n <= 0 || inBytes > state.in.byteSize())
                throw new ShapeException("qconv: take the input segment from inputBuffer(" + n + ", " + h + ", " + w + ") first");
            if (next == null && !keepFloats) throw new IllegalArgumentException("qconv: no output asked for");
            lib.run(state.handle, state.in.asSlice(0, inBytes), n, h, w, l, u, bits, keepFloats ? state.out : MemorySegment.NULL,
                    next == null ? MemorySegment.NULL : state.codes,
                    next == null ? 0 : next.l(), next == null ? 0 : next.u(), next == null ? 0 : next.bits());
        }
    }

    /** Float32 NHWC output of the last run (the whole owned segment; the first n*ho*wo*outC floats are it). */
    public MemorySegment outputBuffer() { return state.out; }

    /** u8 NHWC codes of the last requantizing run. */
    public MemorySegment codesBuffer() { return state.codes; }

    /** oneDNN implementation that ran the last shape, e.g. "brg_conv_fwd:avx512_core_vnni". */
    public String implementation() {
        try (NativeGuard.Held held = guard.enter()) {
            return lib.implementation(state.handle);
        }
    }


    private void ensureCapacity(long inBytes, long outCount) {
        if (state.in.byteSize() >= inBytes && state.codes.byteSize() >= outCount) return;
        Arena fresh = Arena.ofShared();
        MemorySegment in = fresh.allocate(Math.max(inBytes, state.in.byteSize()), 64);
        long outs = Math.max(outCount, state.codes.byteSize());
        MemorySegment out = fresh.allocate(outs * 4, 64);
        MemorySegment codes = fresh.allocate(outs, 64);
        if (state.arena != null) state.arena.close();
        state.arena = fresh;
        state.in = in;
        state.out = out;
        state.codes = codes;
    }

    @Override public void close() { guard.close(); }
}
