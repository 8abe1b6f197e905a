package adabm.backend.onednn;

import adabm.UnsupportedOpException;
import adabm.backend.BackendUnavailableException;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.quant.FakeQuantRunner;
import adabm.quant.ImageComplexity;
import adabm.quant.LayerKind;
import adabm.quant.LayerQuant;
import adabm.quant.PatchedForward;
import adabm.quant.QuantModel;
import adabm.quant.Quantizers;
import adabm.quant.artifact.QuantArtifact;
import adabm.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

/**
 * A quantized model compiled once into a native integer plan (ADABM.md §8, native/src/qplan.h): activations stay u8
 * codes (NHWC) between quantized convs, weights are s8 codes, the border ring of the non-integer zero point and the
 * 8-bit weight split are corrected exactly, each conv's value is computed exactly and rounded once, the float ops
 * after a conv (ReLU, PReLU, batch norm, residual add) and the requantization to the next conv's codes run in its
 * epilogue, and float-only layers (body mode's head and tail) run in float32 in the same plan. In {@link Mode#EXACT}
 * its output equals the exact fake-quantized forward ({@link FakeQuantRunner#exact}) bit for bit wherever every
 * conv is quantized (fq mode); in body mode the float tail convs differ by float32 summation only.
 *
 * <p>Per image, the image offset comes from the model's image bit map on that image's complexity
 * ({@link ImageComplexity}, exactly as the fake-quant runner picks it), each layer's bits from the offset
 * ({@link LayerQuant#activationBits}); the native plan then only changes runtime scales, never its primitives.
 *
 * <p>API:
 * <pre>{@code
 * try (Int8Plan plan = new Int8Plan(quantModel, threads)) {          // Mode.EXACT; or (model, threads, Mode.FAST),
 *                                                                     // or Int8Plan.load(graph, artifactPath, threads)
 *     FakeQuantRunner.Forward f = plan.run(lrBatch);                  // output [n,3,H*s,W*s], fab[n], imageOffsets[n]
 *     FakeQuantRunner.Forward g = plan.run(lrBatch, offsets);         // explicit per-image offsets
 *     PatchedForward.Result p = plan.runPatched(lrImage, 96);         // patch mode: own offset per tile, stitched
 * }
 * }</pre>
 * Thread-safe: calls are serialised by a lock (the native plan runs one call at a time, on its own OpenMP threads);
 * use one plan per caller thread for parallel throughput. Per-shape native state (primitives, buffers) is kept in a
 * small LRU (2 shapes), so tiles of one size reuse everything. After {@link #close()} every call throws
 * IllegalStateException; a plan dropped unclosed is freed by a Cleaner.
 */
public final class Int8Plan implements AutoCloseable {
    /** Image offsets the image bit map can give (ADABM.md §3). */
    private static final int[] IMAGE_OFFSETS = {-1, 0, 1};

    private final QuantModel model;
    private final Graph graph;
    private final QuantPlanNative lib;
    private final List<Op> ops;
    private final NativeState state;
    private final NativeGuard guard;

    /** What must be freed, kept apart from the plan so the Cleaner does not keep the plan reachable. */
    private static final class NativeState implements Runnable {
        final QuantPlanNative lib;
        final MemorySegment handle;
        final Arena bitsArena = Arena.ofShared();
        final MemorySegment bits;
        final IoSegments io = new IoSegments();

        NativeState(QuantPlanNative lib, MemorySegment handle, int ops) {
            this.lib = lib;
            this.handle = handle;
            this.bits = bitsArena.allocate(ValueLayout.JAVA_INT, Math.max(1, ops));
        }

        @Override public void run() {
            io.close();
            bitsArena.close();
            lib.destroy(handle);
        }
    }

    /**
     * How a quantized conv hands its output to the next quantized conv. Both run the same exact integer convs.
     * EXACT computes the exact value, rounds it once to float32 and requantizes it with Java's formula operation for
     * operation: the output equals the exact fake-quant forward's. FAST lets oneDNN write the next u8 codes itself
     * where a conv feeds the next directly (runtime scales and a clip post-op in float32 inside oneDNN): a value on a
     * rounding tie may go the other way, and in a deep network each moved code moves later ones (a few % of 8-bit
     * output pixels on Set5, PSNR within ~0.01 dB).
     */
    public enum Mode { EXACT, FAST }

    /** Why the integer plan cannot run here, or null when it can. */
    public static String unavailableReason() { return QuantPlanNative.failure(); }

    /** Loads the artifact (checked against the graph) and compiles it. */
    public static Int8Plan load(Graph graph, Path artifact, int threads) {
        return new Int8Plan(QuantArtifact.load(artifact, graph), threads);
    }

    /** {@link Mode#EXACT}. */
    public Int8Plan(QuantModel model, int threads) { this(model, threads, Mode.EXACT); }

    /**
     * Compiles a calibrated model. The model's quantizer parameters are copied: later changes to it do not reach
     * the plan.
     * @param threads OpenMP threads of the native kernels (0 or less: the OpenMP default)
     * @throws UnsupportedOpException when a layer's bits fall outside what the integer kernels run (2..8 for every
     *         image offset the bit map can give)
     * @throws BackendUnavailableException when the native library is not available here
     */
    public Int8Plan(QuantModel model, int threads, Mode mode) { this(model, threads, mode, true); }

    /**
     * fused = false runs every non-conv op and quantize pass as its own native pass: slower, and bit for bit the
     * same output (fusion only saves memory passes); tests compare the two.
     */
    Int8Plan(QuantModel model, int threads, Mode mode, boolean fused) {
        String failure = unavailableReason();
        if (failure != null) throw new BackendUnavailableException(NativeCpu.int8BackendName() + " is unavailable: " + failure);
        checkBits(model);
        this.model = model;
        this.graph = model.graph();
        this.lib = QuantPlanNative.instance();
        this.ops = graph.ops();
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            handle = lib.create(PlanEncoder.encode(graph, model, arena), threads,
                    (mode == Mode.FAST ? QuantPlanNative.DIRECT_CODES : 0) | (fused ? 0 : QuantPlanNative.UNFUSED));
        }
        this.state = new NativeState(lib, handle, ops.size());
        this.guard = new NativeGuard(this, state, "integer plan for " + graph.name());
    }

    /**
     * UnsupportedOpException when a layer's bits fall outside 2..8 for an image offset the bit map can give (what the
     * integer kernels run; the cuda integer plan checks the same).
     */
    public static void checkBits(QuantModel model) {
        for (LayerQuant layer : model.layers()) {
            if (!layer.kind().quantized()) continue;
            if (layer.weightBits() < Quantizers.MIN_BITS || layer.weightBits() > Quantizers.MAX_BITS)
                throw new UnsupportedOpException("layer " + layer.name() + ": " + layer.weightBits()
                        + " weight bits; the integer plan runs " + Quantizers.MIN_BITS + ".." + Quantizers.MAX_BITS);
            int[] offsets = model.imageMap().enabled() && layer.kind() == LayerKind.ADAPTIVE ? IMAGE_OFFSETS : new int[] {0};
            for (int offset : offsets) {
                int b = layer.kind() == LayerKind.ADAPTIVE ? layer.baseActivationBits() + offset + layer.layerOffset()
                        : layer.baseActivationBits();
                if (b < Quantizers.MIN_BITS || b > Quantizers.MAX_BITS)
                    throw new UnsupportedOpException("layer " + layer.name() + ": base " + layer.baseActivationBits()
                            + " + image offset " + offset + " + layer offset " + layer.layerOffset() + " = " + b
                            + " activation bits; the integer plan runs " + Quantizers.MIN_BITS + ".." + Quantizers.MAX_BITS);
            }
        }
    }

    public QuantModel model() { return model; }

    /** Quantized forward; each image's offset from the model's image bit map on that image's complexity. */
    public FakeQuantRunner.Forward run(Tensor batch) {
        int[] offsets = new int[batch.n];
        if (model.imageMap().enabled())
            for (int i = 0; i < batch.n; i++) offsets[i] = model.imageMap().offset(ImageComplexity.of(batch, i));
        return run(batch, offsets);
    }

    /** Quantized forward with explicit per-image offsets (one per sample). */
    public FakeQuantRunner.Forward run(Tensor batch, int[] imageOffsets) {
        if (imageOffsets.length != batch.n)
            throw new IllegalArgumentException(imageOffsets.length + " image offsets for a batch of " + batch.n);
        Graph.Shape o = graph.outputFor(batch.n, batch.c, batch.h, batch.w);  // typed errors naming the node
        long perImage = o.elements();
        int inPerImage = batch.c * batch.h * batch.w;
        float[] out = new float[(int) (perImage * batch.n)];
        double[] fab = new double[batch.n];
        int[] bits = new int[ops.size()];
        try (NativeGuard.Held held = guard.enter()) {
            state.io.ensure(inPerImage, perImage);
            for (int s = 0; s < batch.n; s++) {
                fab[s] = layerBits(imageOffsets[s], bits);
                MemorySegment.copy(batch.data, s * inPerImage, state.io.in, ValueLayout.JAVA_FLOAT, 0, inPerImage);
                MemorySegment.copy(bits, 0, state.bits, ValueLayout.JAVA_INT, 0, bits.length);
                lib.run(state.handle, state.io.in, 1, batch.c, batch.h, batch.w, state.bits, state.io.out.asSlice(0, perImage * 4));
                MemorySegment.copy(state.io.out, ValueLayout.JAVA_FLOAT, 0, out, (int) (s * perImage), (int) perImage);
            }
        }
        return new FakeQuantRunner.Forward(new Tensor(batch.n, o.c(), o.h(), o.w(), out), fab, imageOffsets.clone());
    }

    /** Patch mode (ADABM.md §7): each tile runs with its own image offset; the owned parts are stitched. */
    public PatchedForward.Result runPatched(Tensor image, int patch) { return PatchedForward.run(this::run, image, patch); }

    /**
     * The activation bits per op index (0 for ops that are not quantized convs) that a run with this image offset
     * passes to the native plan: what a plan description must be run with elsewhere (the aarch64 library under test).
     */
    public int[] activationBits(int imageOffset) {
        int[] bits = new int[ops.size()];
        layerBits(imageOffset, bits);
        return bits;
    }

    /** Fills bits (per op index) for one image offset and returns the FAB, as the fake-quant runner counts it. */
    private double layerBits(int imageOffset, int[] bits) {
        double sum = 0;
        int counted = 0;
        for (int i = 0; i < ops.size(); i++) {
            bits[i] = 0;
            if (!(ops.get(i) instanceof Op.Conv2d c)) continue;
            LayerQuant layer = model.layer(c.name());
            if (!layer.kind().quantized()) continue;
            bits[i] = layer.activationBits(imageOffset);
            if (layer.kind().countedInFab()) {
                sum += bits[i];
                counted++;
            }
        }
        return counted > 0 ? sum / counted : 32.0;
    }

    /** Number of input shapes the native plan holds state for. */
    public int cachedShapes() {
        try (NativeGuard.Held held = guard.enter()) {
            return lib.cachedShapes(state.handle);
        }
    }

    /** Per conv of the most recently run shape: "op i int8|fp32: oneDNN implementation", one per line. */
    public String convImplementations() {
        try (NativeGuard.Held held = guard.enter()) {
            return lib.implementations(state.handle);
        }
    }

    /** Turns per-step timing of later runs on or off (off by default: runs then pay one branch per step). */
    public void setProfiling(boolean on) {
        try (NativeGuard.Held held = guard.enter()) {
            ProfileNative.instance().setProfiling(state.handle, true, on);
        }
    }

    /** The steps of the last image run with profiling on (the last sample of a batch), in run order; empty before one. */
    public List<StepTime> lastProfile() {
        try (NativeGuard.Held held = guard.enter()) {
            return ProfileNative.instance().profile(state.handle, true, ops);
        }
    }

    @Override public void close() { guard.close(); }
}
