package adabm.backend.cuda;

import adabm.backend.onednn.Int8Plan;
import adabm.backend.onednn.PlanEncoder;
import adabm.backend.onednn.StepTime;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.quant.Fab;
import adabm.quant.FakeQuantRunner;
import adabm.quant.PatchedForward;
import adabm.quant.LayerQuant;
import adabm.quant.QuantModel;
import adabm.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The GPU twin of {@link Int8Plan}: a quantized model compiled once (version-2 description) into a GPU plan whose
 * quantized convs are exact integer convs (u8 codes x s8 weight codes on tensor cores, the CPU plan's exact epilogue),
 * so by the library's contract (adabm_gpu.h) its output equals {@link Int8Plan}'s (EXACT mode) bit for bit, which
 * CudaPlanGpuTest checks on a GPU. A whole batch runs in one native call.
 *
 * <p>{@link #run(Tensor)} hands the model's image bit map to the device, which computes each image's complexity and
 * offset there; the offsets come back with the output ({@link FakeQuantRunner.Forward#imageOffsets()}).
 * {@link #run(Tensor, int[])} passes explicit per-image bits instead. The bit map and layer bits are read from the
 * model on every run (as {@link Int8Plan} does); the quantizer bounds are copied into the plan at construction.
 *
 * <pre>{@code
 * try (CudaInt8Plan plan = new CudaInt8Plan(quantModel)) {
 *     FakeQuantRunner.Forward f = plan.run(lrBatch);            // offsets from the bit map, on the GPU
 *     FakeQuantRunner.Forward g = plan.run(lrBatch, offsets);   // explicit per-image offsets
 *     CudaTimes t = plan.lastTimes();                           // copies vs compute of the last run
 * }
 * }</pre>
 * Runs are serialised by a lock; close() frees the device state (a Cleaner does for a plan dropped unclosed).
 */
public final class CudaInt8Plan implements AutoCloseable {
    /** Image offsets the image bit map can give, in the order of adabm_gpu_bitmap's rows. */
    private static final int[] IMAGE_OFFSETS = {-1, 0, 1};

    private final QuantModel model;
    private final Graph graph;
    private final List<Op> ops;
    private final GpuPlanHandle plan;

    /**
     * Compiles a calibrated model onto device 0.
     * @throws adabm.backend.BackendUnavailableException without the library or a usable device
     * @throws adabm.UnsupportedOpException when a layer's bits fall outside 2..8, or the GPU kernels do not run a layer
     */
    public CudaInt8Plan(QuantModel model) {
        CudaNative lib = CudaNative.require("cuda-int8");
        Int8Plan.checkBits(model);
        this.model = model;
        this.graph = model.graph();
        this.ops = graph.ops();
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            handle = lib.create(PlanEncoder.encode(graph, model, arena), 0);
        }
        this.plan = new GpuPlanHandle(this, lib, handle, ops, "cuda integer plan for " + graph.name());
    }

    /** Why GPU plans cannot run here, or null when they can. */
    public static String unavailableReason() { return CudaNative.unavailableReason(); }

    /** The GPU the plans run on, as the probe names it, or the reason there is none. */
    public static String device() { return CudaNative.device(); }

    public QuantModel model() { return model; }

    /** Quantized forward; each image's complexity and offset computed on the GPU from the model's image bit map. */
    public FakeQuantRunner.Forward run(Tensor batch) {
        int n = ops.size();
        int[] table = new int[IMAGE_OFFSETS.length * n];
        boolean enabled = model.imageMap().enabled();
        for (int k = 0; k < IMAGE_OFFSETS.length; k++)   // a disabled map gives offset 0 only: its row fills all three
            layerBits(enabled ? IMAGE_OFFSETS[k] : 0, table, k * n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bits = arena.allocateFrom(ValueLayout.JAVA_INT, table);
            MemorySegment map = arena.allocate(CudaNative.BITMAP);
            map.set(ValueLayout.JAVA_INT, CudaNative.offset(CudaNative.BITMAP, "enabled"), enabled ? 1 : 0);
            map.set(ValueLayout.JAVA_DOUBLE, CudaNative.offset(CudaNative.BITMAP, "tau_low"), model.imageMap().tauLow());
            map.set(ValueLayout.JAVA_DOUBLE, CudaNative.offset(CudaNative.BITMAP, "tau_high"), model.imageMap().tauHigh());
            map.set(ValueLayout.ADDRESS, CudaNative.offset(CudaNative.BITMAP, "bits_by_offset"), bits);
            map.set(ValueLayout.JAVA_LONG, CudaNative.offset(CudaNative.BITMAP, "bits_len"), table.length);
            return forward(batch, MemorySegment.NULL, map, null, arena);
        }
    }

    /** Tiles of patch mode per GPU run: one launch series covers them all (each tile keeps its own offset). */
    public static final int PATCH_BATCH = 64;

    /** Patch mode (ADABM.md §7): own offset per tile, up to {@link #PATCH_BATCH} tiles per run, stitched. */
    public PatchedForward.Result runPatched(Tensor image, int patch) {
        return PatchedForward.runBatched(this::run, image, patch, PATCH_BATCH);
    }

    /** Quantized forward with explicit per-image offsets (one per sample). */
    public FakeQuantRunner.Forward run(Tensor batch, int[] imageOffsets) {
        if (imageOffsets.length != batch.n)
            throw new IllegalArgumentException(imageOffsets.length + " image offsets for a batch of " + batch.n);
        int n = ops.size();
        int[] all = new int[batch.n * n];
        for (int s = 0; s < batch.n; s++) layerBits(imageOffsets[s], all, s * n);
        try (Arena arena = Arena.ofConfined()) {
            return forward(batch, arena.allocateFrom(ValueLayout.JAVA_INT, all), MemorySegment.NULL, imageOffsets, arena);
        }
    }

    /** One native pass over the batch; offsets null: read back from the device's image info. */
    private FakeQuantRunner.Forward forward(Tensor batch, MemorySegment bits, MemorySegment map, int[] offsets, Arena arena) {
        Graph.Shape o = graph.outputFor(batch.n, batch.c, batch.h, batch.w);  // typed errors naming the node
        MemorySegment info = arena.allocate(CudaNative.IMAGE_INFO, batch.n);
        float[] result = plan.run(batch, batch.n * o.elements(), bits, map, info);
        int[] used = offsets != null ? offsets.clone() : new int[batch.n];
        if (offsets == null)
            for (int s = 0; s < batch.n; s++)
                used[s] = info.get(ValueLayout.JAVA_INT, s * CudaNative.IMAGE_INFO.byteSize() + CudaNative.offset(CudaNative.IMAGE_INFO, "offset"));
        double[] fab = new double[batch.n];
        for (int s = 0; s < batch.n; s++) fab[s] = Fab.of(model, used[s]);
        return new FakeQuantRunner.Forward(new Tensor(batch.n, o.c(), o.h(), o.w(), result), fab, used);
    }

    /** Writes the activation bits of every op for one image offset at bits[from..]; 0 for ops without a quantizer. */
    private void layerBits(int imageOffset, int[] bits, int from) {
        for (int i = 0; i < ops.size(); i++) {
            int b = 0;
            if (ops.get(i) instanceof Op.Conv2d c) {
                LayerQuant layer = model.layer(c.name());
                if (layer.kind().quantized()) b = layer.activationBits(imageOffset);
            }
            bits[from + i] = b;
        }
    }

    /** The last run's host-to-device, compute and device-to-host times. */
    public CudaTimes lastTimes() { return plan.lastTimes(); }

    /** Multiply-accumulates of the integer convs per image of the last run's shape (for the share of tensor-core peak). */
    public double int8Macs() { return plan.int8Macs(); }

    /** Turns per-step timing (CUDA events around each step) of later runs on or off; off by default. */
    public void setProfiling(boolean on) { plan.setProfiling(on); }

    /** The steps of the last run made with profiling on, in run order; empty before one. */
    public List<StepTime> lastProfile() { return plan.lastProfile(); }

    @Override public void close() { plan.close(); }
}
