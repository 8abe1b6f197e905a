package adabm.backend.onednn;

import adabm.ShapeException;
import adabm.backend.BackendUnavailableException;
import adabm.backend.ConvKernels;
import adabm.graph.Op;
import adabm.tensor.Layout;
import adabm.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link ConvKernels} on oneDNN float32 primitives (libadabm_native, adabm_fconv_*). One native conv handle per conv
 * geometry (convs of the same shape share it: the handle holds primitives, not weights), each caching its
 * primitives per input shape; the blocked copies oneDNN works on live in one native workspace shared by all handles.
 * Tensors are read and written in place in their Java arrays (critical downcalls, see {@link FloatConvNative}). Not
 * meant for concurrent use (calls are serialised by a lock); {@link #close()} frees everything, a Cleaner does if it
 * is dropped unclosed.
 */
public final class OneDnnConvKernels implements ConvKernels {

    /** What a native conv handle is built for: channels, kernel, paddings (top, left, bottom, right), groups. */
    record Geometry(int inC, int outC, int kh, int kw, int padT, int padL, int padB, int padR, int groups) {
        static Geometry of(Op.Conv2d c) {
            return new Geometry(c.inChannels(), c.outChannels(), c.kernelH(), c.kernelW(), c.padTop(), c.padLeft(),
                    c.padBottom(), c.padRight(), c.groups());
        }
    }

    /** Everything native, apart from the kernels object so a Cleaner can free it. */
    private static final class NativeState implements Runnable {
        final FloatConvNative lib;
        final MemorySegment workspace;
        final Map<Geometry, MemorySegment> convs = new HashMap<>();

        NativeState(FloatConvNative lib, MemorySegment workspace) { this.lib = lib; this.workspace = workspace; }

        @Override public void run() {
            RuntimeException first = null;
            for (MemorySegment conv : convs.values()) {
                try { lib.destroy(conv); } catch (RuntimeException e) { if (first == null) first = e; }
            }
            convs.clear();
            try { lib.destroyWorkspace(workspace); } catch (RuntimeException e) { if (first == null) first = e; }
            if (first != null) throw first;
        }
    }

    private final NativeState state;
    private final NativeGuard guard;

    /** Why the native kernels cannot run here, or null if they can. */
    public static String unavailableReason() { return FloatConvNative.failure(); }

    /** Kernels running oneDNN on {@code threads} OpenMP threads (<= 0: the OpenMP default). */
    public OneDnnConvKernels(int threads) {
        FloatConvNative lib = FloatConvNative.instance();
        if (lib == null) throw new BackendUnavailableException("the oneDNN conv kernels are unavailable: " + FloatConvNative.failure());
        state = new NativeState(lib, lib.createWorkspace(threads));
        guard = new NativeGuard(this, state, "onednn conv kernels");
    }

    @Override public String name() { return "onednn"; }

    @Override public Tensor forward(Op.Conv2d conv, float[] weight, Tensor x) { return forward(conv, weight, x, Layout.NCHW); }

    @Override public Tensor backwardData(Op.Conv2d conv, float[] weight, Tensor dy, int inH, int inW) {
        return backwardData(conv, weight, dy, inH, inW, Layout.NCHW);
    }

    @Override public float[] backwardWeights(Op.Conv2d conv, Tensor x, Tensor dy) { return backwardWeights(conv, x, dy, Layout.NCHW); }

    @Override public Tensor forward(Op.Conv2d conv, float[] weight, Tensor x, Layout layout) {
        checkWeight(conv, weight);
        checkChannels(conv, "input", x.c, conv.inChannels());
        int ho = outputH(conv, x.h), wo = outputW(conv, x.w);
        Tensor y = new Tensor(x.n, conv.outChannels(), ho, wo);
        try (NativeGuard.Held held = guard.enter()) {
            MemorySegment handle = handle(conv);
            state.lib.forward(handle, x.n, x.h, x.w, layout == Layout.NHWC, heap(x.data), heap(weight), heap(conv.bias()), heap(y.data));
        }
        return y;
    }

    @Override public Tensor backwardData(Op.Conv2d conv, float[] weight, Tensor dy, int inH, int inW, Layout layout) {
        checkWeight(conv, weight);
        checkChannels(conv, "output gradient", dy.c, conv.outChannels());
        if (inH <= 0 || inW <= 0) throw new ShapeException("conv " + conv.name() + ": input size " + inH + "x" + inW + " is not positive");
        checkOutput(conv, dy, inH, inW);
        Tensor dx = new Tensor(dy.n, conv.inChannels(), inH, inW);
        try (NativeGuard.Held held = guard.enter()) {
            MemorySegment handle = handle(conv);
            state.lib.backwardData(handle, dy.n, inH, inW, layout == Layout.NHWC, heap(dy.data), heap(weight), heap(dx.data));
        }
        return dx;
    }

    @Override public float[] backwardWeights(Op.Conv2d conv, Tensor x, Tensor dy, Layout layout) {
        checkGeometry(conv);
        checkChannels(conv, "input", x.c, conv.inChannels());
        checkChannels(conv, "output gradient", dy.c, conv.outChannels());
        if (x.n != dy.n) throw new ShapeException("conv " + conv.name() + ": input batch " + x.n + " but output gradient batch " + dy.n);
        checkOutput(conv, dy, x.h, x.w);
        float[] dw = new float[Math.toIntExact(weightCount(conv))];
        try (NativeGuard.Held held = guard.enter()) {
            MemorySegment handle = handle(conv);
            state.lib.backwardWeights(handle, x.n, x.h, x.w, layout == Layout.NHWC, heap(x.data), heap(dy.data), heap(dw));
        }
        return dw;
    }

    /** The oneDNN implementations the conv's handle ran last, one line per pass ("fwd: brg_conv_fwd:avx512_core", ...). */
    public String implementation(Op.Conv2d conv) {
        checkGeometry(conv);
        try (NativeGuard.Held held = guard.enter()) {
            return state.lib.implementation(handle(conv));
        }
    }

    /** Native conv handles alive now (one per distinct conv geometry seen). */
    public int handles() {
        try (NativeGuard.Held held = guard.enter()) {
            return state.convs.size();
        }
    }

    /** Bytes of oneDNN-layout buffers the shared native workspace holds now. */
    public long workspaceBytes() {
        try (NativeGuard.Held held = guard.enter()) {
            return state.lib.workspaceBytes(state.workspace);
        }
    }

    @Override public void close() { guard.close(); }

    /** The native conv of this geometry, created on first use; called with the guard held. */
    private MemorySegment handle(Op.Conv2d conv) {
        Geometry g = Geometry.of(conv);
        MemorySegment h = state.convs.get(g);
        if (h == null) {
            h = state.lib.create(state.workspace, g);
            state.convs.put(g, h);
        }
        return h;
    }

    /** The array itself: the passes are critical downcalls that read and write Java arrays in place. */
    private static MemorySegment heap(float[] data) { return MemorySegment.ofArray(data); }

    // ---- shape checks, in Java so the message names the conv ----

    private static long weightCount(Op.Conv2d c) {
        return (long) c.outChannels() * c.inPerGroup() * c.kernelH() * c.kernelW();
    }

    private static void checkGeometry(Op.Conv2d c) {
        if (c.groups() <= 0 || c.inChannels() <= 0 || c.outChannels() <= 0 || c.inChannels() % c.groups() != 0
                || c.outChannels() % c.groups() != 0 || c.kernelH() <= 0 || c.kernelW() <= 0)
            throw new ShapeException("conv " + c.name() + ": " + c.inChannels() + " -> " + c.outChannels() + " channels, kernel "
                    + c.kernelH() + "x" + c.kernelW() + ", " + c.groups() + " groups do not fit together");
        if (c.padTop() < 0 || c.padLeft() < 0 || c.padBottom() < 0 || c.padRight() < 0)
            throw new ShapeException("conv " + c.name() + ": negative padding");
        if (c.bias().length != c.outChannels())
            throw new ShapeException("conv " + c.name() + ": bias has " + c.bias().length + " values, " + c.outChannels() + " output channels");
    }

    private static void checkWeight(Op.Conv2d c, float[] weight) {
        checkGeometry(c);
        if (weight.length != weightCount(c))
            throw new ShapeException("conv " + c.name() + ": weight has " + weight.length + " values, OIHW "
                    + c.outChannels() + "x" + c.inPerGroup() + "x" + c.kernelH() + "x" + c.kernelW() + " needs " + weightCount(c));
    }

    private static void checkChannels(Op.Conv2d c, String what, int have, int want) {
        if (have != want) throw new ShapeException("conv " + c.name() + ": " + what + " has " + have + " channels, expected " + want);
    }

    private static int outputH(Op.Conv2d c, int h) {
        int ho = h + c.padTop() + c.padBottom() - c.kernelH() + 1;
        if (ho <= 0) throw new ShapeException("conv " + c.name() + ": input height " + h + " is smaller than its " + c.kernelH() + "-high kernel");
        return ho;
    }

    private static int outputW(Op.Conv2d c, int w) {
        int wo = w + c.padLeft() + c.padRight() - c.kernelW() + 1;
        if (wo <= 0) throw new ShapeException("conv " + c.name() + ": input width " + w + " is smaller than its " + c.kernelW() + "-wide kernel");
        return wo;
    }

    private static void checkOutput(Op.Conv2d c, Tensor dy, int inH, int inW) {
        int ho = outputH(c, inH), wo = outputW(c, inW);
        if (dy.h != ho || dy.w != wo)
            throw new ShapeException("conv " + c.name() + ": output gradient is " + dy.h + "x" + dy.w + ", an input of " + inH + "x" + inW
                    + " gives " + ho + "x" + wo);
    }
}
