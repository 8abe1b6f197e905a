package adabm;

import adabm.backend.BackendOptions;
import adabm.backend.BackendUnavailableException;
import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import adabm.backend.Plan;
import adabm.backend.TiledRunner;
import adabm.backend.cuda.CudaInt8Plan;
import adabm.backend.onednn.Int8Plan;
import adabm.backend.onednn.NativeCpu;
import adabm.graph.Graph;
import adabm.graph.ReceptiveField;
import adabm.quant.FakeQuantRunner;
import adabm.quant.ForwardHooks;
import adabm.quant.PatchedForward;
import adabm.quant.QuantModel;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A serving API: a model (float, or quantized) compiled into a fixed pool of engines that callers share.
 * {@link #upscale} may be called from any number of threads at once: each call borrows one engine (waiting while
 * all are busy), and every engine is an identical, deterministic compilation, so a call gives the same bytes
 * whichever thread makes it and however many run alongside. Large images are tiled, so working memory is bounded by
 * the tile size and the pool size, not the image:
 * <ul>
 * <li>a float model runs in {@link TiledRunner} tiles extended by the receptive-field halo (the same pixels as a
 * whole-image run);</li>
 * <li>a quantized model runs in patch mode (ADABM.md §7, {@link PatchedForward}): each tile with its own image
 * offset and zero padding at its borders, exactly the fake-quant patch-mode semantics; an image no larger than a
 * tile is one tile, i.e. a whole-image run.</li>
 * </ul>
 * Images above {@link Options#maxPixels()} are refused with a {@link ShapeException}; a tile size smaller than the
 * model's receptive field is refused at construction; after {@link #close()} (which waits for calls in flight)
 * every call throws IllegalStateException.
 *
 * <pre>{@code
 * try (Upscaler up = Upscaler.create(quantModel, Upscaler.Options.defaults().withBackend(Upscaler.INT8))) {
 *     Tensor sr = up.upscale(lr);   // [1, C, H, W] in 0..255 -> [1, C, H*s, W*s]
 * }
 * }</pre>
 */
public final class Upscaler implements AutoCloseable {
    /**
     * The integer plan's backend name on this machine (quantized models only): "onednn-int8" on x86-64, "acl-int8" on
     * aarch64 ({@link NativeCpu#int8BackendName()}).
     */
    public static final String INT8 = NativeCpu.int8BackendName();
    /** The integer plan on an NVIDIA GPU (quantized models only; {@link CudaInt8Plan}, tiles batched per run). */
    public static final String CUDA_INT8 = "cuda-int8";

    /**
     * @param backend   "onednn" (x86-64) / "acl" (aarch64, float models only), "java" (float or fake-quantized), "cuda"
     *                  (float), or "onednn-int8" / "acl-int8" / "cuda-int8" (quantized models)
     * @param threads   OpenMP/kernel threads of each engine (0: all cores)
     * @param workers   engines in the pool: calls that run at the same time
     * @param tile      tile size in LR pixels
     * @param maxPixels largest LR image (height x width) accepted
     */
    public record Options(String backend, int threads, int workers, int tile, long maxPixels) {
        public Options {
            if (backend == null || backend.isBlank()) throw new IllegalArgumentException("backend must be named");
            if (threads < 0) throw new IllegalArgumentException("threads must be >= 0 (0 = all cores), got " + threads);
            if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, got " + workers);
            if (tile < 1) throw new IllegalArgumentException("tile size must be positive, got " + tile);
            if (maxPixels < 1) throw new IllegalArgumentException("max image size must be positive, got " + maxPixels);
        }

        /**
         * The native CPU backend where it loads (onednn on x86-64, acl on aarch64), else java; 1 thread per engine,
         * one engine per core, 256-pixel tiles, images up to 4096 x 4096.
         */
        public static Options defaults() {
            return new Options(Backends.best().name(), 1, Runtime.getRuntime().availableProcessors(), 256, 4096L * 4096L);
        }

        public Options withBackend(String b) { return new Options(b, threads, workers, tile, maxPixels); }
        public Options withThreads(int t) { return new Options(backend, t, workers, tile, maxPixels); }
        public Options withWorkers(int w) { return new Options(backend, threads, w, tile, maxPixels); }
        public Options withTile(int t) { return new Options(backend, threads, workers, t, maxPixels); }
        public Options withMaxPixels(long m) { return new Options(backend, threads, workers, tile, m); }
    }

    /** One compiled copy of the model; used by one call at a time. */
    private interface Engine extends AutoCloseable {
        Tensor run(Tensor image);
        @Override void close();
    }

    private final Graph graph;
    private final Options options;
    private final BlockingQueue<Engine> idle;
    private volatile boolean closed;

    private Upscaler(Graph graph, Options options, List<Engine> engines) {
        this.graph = graph;
        this.options = options;
        this.idle = new ArrayBlockingQueue<>(engines.size(), false, engines);
    }

    /** A float model on a float backend ("onednn", "acl", "java" or "cuda"). */
    public static Upscaler create(Graph graph, Options options) {
        if (NativeCpu.isInt8Name(options.backend()) || options.backend().equals(CUDA_INT8))
            throw new IllegalArgumentException(options.backend() + " runs quantized models: give a QuantModel (an artifact), not a float graph");
        checkTile(graph, options);
        int threads = new BackendOptions(options.threads()).effectiveThreads();
        return build(graph, options, () -> {
            Plan plan = Backends.get(options.backend()).compile(graph, new BackendOptions(threads));
            TiledRunner tiles = new TiledRunner(plan, graph, options.tile());
            return new Engine() {
                @Override public Tensor run(Tensor image) { return tiles.run(image); }
                @Override public void close() { plan.close(); }
            };
        });
    }

    /**
     * A quantized model: in integers ({@link #INT8}, {@link Int8Plan}; "cuda-int8" on a GPU) or fake-quantized on a float backend's conv
     * kernels ("onednn", "java"); either way in patch mode with the tile size.
     */
    public static Upscaler create(QuantModel model, Options options) {
        Graph graph = model.graph();
        checkTile(graph, options);
        if (NativeCpu.isInt8Name(options.backend())) {
            String failure = NativeCpu.int8UnavailableReason(options.backend());
            if (failure != null) throw new BackendUnavailableException(options.backend() + " is unavailable: " + failure);
        }
        int threads = new BackendOptions(options.threads()).effectiveThreads();
        int tile = options.tile();
        return build(graph, options, () -> {
            if (NativeCpu.isInt8Name(options.backend())) {
                Int8Plan plan = new Int8Plan(model, threads);
                return new Engine() {
                    @Override public Tensor run(Tensor image) { return plan.runPatched(image, tile).output(); }
                    @Override public void close() { plan.close(); }
                };
            }
            if (options.backend().equals(CUDA_INT8)) {
                CudaInt8Plan plan = new CudaInt8Plan(model);
                return new Engine() {
                    @Override public Tensor run(Tensor image) { return plan.runPatched(image, tile).output(); }
                    @Override public void close() { plan.close(); }
                };
            }
            ConvKernels kernels = Backends.get(options.backend()).convKernels(threads);
            FakeQuantRunner runner = new FakeQuantRunner(model, kernels);
            return new Engine() {
                @Override public Tensor run(Tensor image) {
                    return PatchedForward.run(t -> runner.run(t, ForwardHooks.NONE), image, tile).output();
                }
                @Override public void close() {
                    runner.close();
                    kernels.close();
                }
            };
        });
    }

    private static void checkTile(Graph graph, Options options) {
        int field = 2 * ReceptiveField.haloInputPixels(graph) + 1;
        if (options.tile() < field)
            throw new IllegalArgumentException("tile size " + options.tile() + " is smaller than the receptive field of "
                    + graph.name() + " (" + field + " input pixels)");
    }

    private interface EngineFactory { Engine make(); }

    private static Upscaler build(Graph graph, Options options, EngineFactory factory) {
        List<Engine> engines = new ArrayList<>();
        try {
            for (int i = 0; i < options.workers(); i++) engines.add(factory.make());
        } catch (RuntimeException e) {
            for (Engine made : engines) made.close();
            throw e;
        }
        return new Upscaler(graph, options, engines);
    }

    public Options options() { return options; }

    /**
     * The SR image of one LR image ([1, C, H, W], values 0..255). Safe to call from many threads at once.
     * @throws ShapeException for a batch, the wrong channel count or an image above the size limit
     * @throws IllegalStateException once the upscaler is closed
     */
    public Tensor upscale(Tensor image) {
        if (image.n != 1) throw new ShapeException("upscale takes one image, got a batch of " + image.n);
        if (image.c != graph.inputChannels())
            throw new ShapeException("image has " + image.c + " channels, " + graph.name() + " expects " + graph.inputChannels());
        if ((long) image.h * image.w > options.maxPixels())
            throw new ShapeException("image " + image.w + "x" + image.h + " has " + (long) image.h * image.w
                    + " pixels, above this upscaler's limit of " + options.maxPixels());
        Engine engine = borrow();
        try {
            return engine.run(image);
        } finally {
            idle.add(engine);
        }
    }

    private Engine borrow() {
        while (true) {
            if (closed) throw new IllegalStateException("upscaler for " + graph.name() + " is closed");
            Engine e;
            try {
                e = idle.poll(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for an engine", ie);
            }
            if (e == null) continue;
            if (closed) {   // close() is collecting the engines: hand this one over
                idle.add(e);
                throw new IllegalStateException("upscaler for " + graph.name() + " is closed");
            }
            return e;
        }
    }

    /** Waits for calls in flight, then frees every engine. Idempotent. */
    @Override public synchronized void close() {
        if (closed) return;
        closed = true;
        boolean interrupted = false;
        for (int freed = 0; freed < options.workers(); ) {
            try {
                idle.take().close();
                freed++;
            } catch (InterruptedException ie) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
