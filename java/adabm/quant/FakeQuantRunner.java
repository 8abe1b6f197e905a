package adabm.quant;

import adabm.AdabmException;
import adabm.ShapeException;
import adabm.backend.ConvKernels;
import adabm.backend.ref.ExactConvKernels;
import adabm.backend.ref.JavaConvKernels;
import adabm.backend.ref.RefKernels;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.*;
import java.util.concurrent.ForkJoinPool;

/**
 * Fake-quantized execution of a {@link QuantModel} (ADABM.md §1–§2, §7): convs on a {@link ConvKernels}, other ops on
 * {@link RefKernels}: every quantized
 * conv fake-quantizes its input (per image, at that image's bits) and its weight, then convolves; the conv's zero
 * padding pads the fake-quantized input with exact 0.0. Everything else runs in float32. A batch of N images may
 * carry one image offset each; FAB is reported per image. Not thread-safe (it caches quantized weights).
 */
public final class FakeQuantRunner implements AutoCloseable {
    private final QuantModel model;
    private final ConvKernels kernels;
    private final boolean ownsKernels;
    private final boolean exact;
    private final List<List<String>> deadAfter = new ArrayList<>();
    private final Set<String> taps;
    private final Map<String, CachedWeight> weights = new HashMap<>();

    private record CachedWeight(float bound, int bits, float[] weight) { }

    /** Output, each image's FAB (32 for a float forward or when no layer counts), and the image offsets used. */
    public record Forward(Tensor output, double[] fab, int[] imageOffsets) { }

    /** A runner on the pure-Java kernels with this many threads (closed with the runner). */
    public FakeQuantRunner(QuantModel model, int threads) { this(model, new JavaConvKernels(threads), true); }

    /** A runner on the caller's kernels (the caller closes them). */
    public FakeQuantRunner(QuantModel model, ConvKernels kernels) { this(model, kernels, false, false); }

    /**
     * The exact fake-quant forward: quantized convs by {@link ExactQuantConv}, float convs by
     * {@link ExactConvKernels}, each output the exact value rounded once to float32; everything else as usual.
     * The oracle the integer plan equals bit for bit. Slow (plain Java, float64 float convs).
     */
    public static FakeQuantRunner exact(QuantModel model) { return new FakeQuantRunner(model, new ExactConvKernels(), true, true); }

    private FakeQuantRunner(QuantModel model, ConvKernels kernels, boolean ownsKernels) { this(model, kernels, ownsKernels, false); }

    private FakeQuantRunner(QuantModel model, ConvKernels kernels, boolean ownsKernels, boolean exact) {
        this.model = model;
        this.kernels = kernels;
        this.ownsKernels = ownsKernels;
        this.exact = exact;
        this.taps = new HashSet<>(model.roles().residualTaps());
        Graph g = model.graph();
        Map<String, Integer> last = new HashMap<>();
        for (int i = 0; i < g.ops().size(); i++) for (String in : g.ops().get(i).inputs()) last.put(in, i);
        for (int i = 0; i < g.ops().size(); i++) deadAfter.add(new ArrayList<>());
        last.forEach((name, i) -> { if (!name.equals(g.output())) deadAfter.get(i).add(name); });
    }

    public QuantModel model() { return model; }

    public ConvKernels kernels() { return kernels; }

    /** Quantized forward; image offsets from the model's image bit map (complexity of each input image). */
    public Forward run(Tensor batch, ForwardHooks hooks) {
        int[] offsets = new int[batch.n];
        if (model.imageMap().enabled())
            for (int i = 0; i < batch.n; i++) offsets[i] = model.imageMap().offset(ImageComplexity.of(batch, i));
        return run(batch, offsets, hooks);
    }

    /** Quantized forward with explicit per-image offsets (one per sample). */
    public Forward run(Tensor batch, int[] imageOffsets, ForwardHooks hooks) {
        if (imageOffsets.length != batch.n)
            throw new IllegalArgumentException(imageOffsets.length + " image offsets for a batch of " + batch.n);
        return forward(batch, imageOffsets.clone(), hooks, true);
    }

    /** Float32 forward with the same hooks (calibration). */
    public Forward runFloat(Tensor batch, ForwardHooks hooks) { return forward(batch, new int[batch.n], hooks, false); }

    private Forward forward(Tensor batch, int[] offsets, ForwardHooks hooks, boolean quantize) {
        Graph g = model.graph();
        if (batch.c != g.inputChannels())
            throw new ShapeException("input has " + batch.c + " channels, graph " + g.name() + " expects " + g.inputChannels());
        g.inferShapes(batch.h, batch.w);
        double[] bitSum = new double[batch.n];
        int counted = 0;
        Map<String, Tensor> values = new HashMap<>();
        values.put(g.input(), batch);
        List<Op> ops = g.ops();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            Tensor out;
            if (op instanceof Op.Conv2d c) {
                LayerQuant layer = model.layer(c.name());
                boolean q = quantize && layer.kind().quantized();
                int[] bits = null;
                if (q) {
                    bits = new int[batch.n];
                    for (int s = 0; s < batch.n; s++) bits[s] = layer.activationBits(offsets[s]);
                    if (layer.kind().countedInFab()) {
                        counted++;
                        for (int s = 0; s < batch.n; s++) bitSum[s] += bits[s];
                    }
                }
                Tensor x = values.get(c.input());
                hooks.beforeConv(layer, x, bits);
                if (q && exact) {
                    out = ExactQuantConv.forward(c, layer, x, bits);
                } else if (q) {
                    Tensor xq = quantizeInput(layer, x, bits);   // checks calibration first
                    out = kernels.forward(c, quantizedWeight(layer), xq);
                } else {
                    out = kernels.forward(c, c.weight(), x);
                }
            } else {
                out = RefKernels.apply(op, values, ForkJoinPool.commonPool());   // element-wise, as Parallel
                if (taps.contains(op.name())) hooks.residualTap(op.name(), out);
            }
            values.put(op.output(), out);
            for (String dead : deadAfter.get(i)) values.remove(dead);
        }
        double[] fab = new double[batch.n];
        for (int s = 0; s < batch.n; s++) fab[s] = quantize && counted > 0 ? bitSum[s] / counted : 32.0;
        return new Forward(values.get(g.output()), fab, offsets);
    }

    /** A conv's input fake-quantized at each sample's bits (§2), element-wise in parallel. */
    public static Tensor quantizeInput(LayerQuant layer, Tensor x, int[] bits) {
        if (!layer.calibrated()) throw new AdabmException("layer " + layer.name() + " is not calibrated (no activation or weight bounds)");
        Tensor q = new Tensor(x.n, x.c, x.h, x.w);
        int plane = x.c * x.h * x.w;
        float l = layer.lower(), u = layer.upper();
        for (int s = 0; s < x.n; s++) {
            int b = bits[s];
            Parallel.ranges(s * plane, (s + 1) * plane, (from, to) -> Quantizers.activation(x.data, from, to - from, l, u, b, q.data));
        }
        return q;
    }

    /** The conv's fake-quantized weight, recomputed only when the bound changes. */
    private float[] quantizedWeight(LayerQuant layer) {
        CachedWeight cw = weights.get(layer.name());
        if (cw == null || cw.bound() != layer.weightBound() || cw.bits() != layer.weightBits()) {
            float[] wq = Quantizers.weights(layer.conv().weight(), layer.weightBound(), layer.weightBits());
            cw = new CachedWeight(layer.weightBound(), layer.weightBits(), wq);
            weights.put(layer.name(), cw);
        }
        return cw.weight();
    }

    @Override public void close() { if (ownsKernels) kernels.close(); }
}
