package adabm.quant.train;

import adabm.ShapeException;
import adabm.backend.ConvKernels;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.quant.*;
import adabm.tensor.Layout;
import adabm.tensor.Tensor;
import java.util.*;

/**
 * A recorded fake-quantized forward of one batch and its reverse pass (ADABM.md §2, §4, §6). The forward is the
 * one {@link FakeQuantRunner#run(Tensor, ForwardHooks)} computes (same kernels, same quantizers, same image offsets
 * from the image bit map; the values equal up to the conv kernels' summation order). Backward returns the gradients
 * w.r.t. the learnable quantizer parameters only; conv weights and biases are frozen but gradients flow through them
 * to earlier layers. Every intermediate tensor is kept until backward, so memory grows with the graph.
 * <p>Activations are kept channels last ({@link Layout#NHWC}): oneDNN convolves them in place, without the reorders
 * NCHW tensors need, and the quantizers, the loss and element-wise ops do not care about the order. So the recorded
 * {@link #output()} and {@link #taps()}, and the gradients {@link #backward} takes, are NHWC; the batch is NCHW.
 */
public final class Tape {
    /**
     * How a conv's input and weight are fake-quantized and what bit width an image counts with. {@link #EXACT} is the
     * §2 quantizer; tests substitute the straight-through surrogate to check gradients with finite differences.
     */
    public interface Quantization {
        Tensor input(LayerQuant layer, Tensor x, int[] bits);

        float[] weight(LayerQuant layer);

        /** The bit width this layer counts with in FAB for one sample (the hard bits for the exact forward). */
        default double bits(LayerQuant layer, int sample, int hardBits) { return hardBits; }

        Quantization EXACT = new Quantization() {
            @Override public Tensor input(LayerQuant layer, Tensor x, int[] bits) { return FakeQuantRunner.quantizeInput(layer, x, bits); }

            @Override public float[] weight(LayerQuant layer) {
                return Quantizers.weights(layer.conv().weight(), layer.weightBound(), layer.weightBits());
            }
        };
    }

    /** What one quantized conv saw: its float input, the fake-quantized input and weight, each image's bits. */
    private record ConvRecord(LayerQuant layer, Tensor input, Tensor quantizedInput, float[] quantizedWeight, int[] bits) { }

    private final QuantModel model;
    private final ConvKernels kernels;
    private final Map<String, Tensor> values = new HashMap<>();
    private final Map<String, ConvRecord> convs = new HashMap<>();
    private final Map<String, Tensor> taps = new LinkedHashMap<>();
    private final double[] complexity;
    private final double[] fab;
    private final int counted;
    private final int batchSize;

    private Tape(QuantModel model, Tensor batch, Quantization quantization, ConvKernels kernels) {
        this.model = model;
        this.kernels = kernels;
        this.batchSize = batch.n;
        Graph g = model.graph();
        if (batch.c != g.inputChannels())
            throw new ShapeException("input has " + batch.c + " channels, graph " + g.name() + " expects " + g.inputChannels());
        g.inferShapes(batch.h, batch.w);
        ImageBitMap map = model.imageMap();
        complexity = map.enabled() ? ImageComplexity.ofBatch(batch) : null;
        int[] offsets = new int[batch.n];
        if (map.enabled()) for (int s = 0; s < batch.n; s++) offsets[s] = map.offset(complexity[s]);
        Set<String> tapNodes = new HashSet<>(model.roles().residualTaps());
        double[] bitSum = new double[batch.n];
        int countedLayers = 0;
        values.put(g.input(), Layout.toNhwc(batch));
        for (Op op : g.ops()) {
            Tensor out;
            if (op instanceof Op.Conv2d c) {
                LayerQuant layer = model.layer(c.name());
                Tensor x = values.get(c.input());
                if (layer.kind().quantized()) {
                    int[] bits = new int[batch.n];
                    for (int s = 0; s < batch.n; s++) bits[s] = layer.activationBits(offsets[s]);
                    if (layer.kind().countedInFab()) {
                        countedLayers++;
                        for (int s = 0; s < batch.n; s++) bitSum[s] += quantization.bits(layer, s, bits[s]);
                    }
                    if (!layer.calibrated()) throw new adabm.AdabmException("layer " + layer.name() + " is not calibrated (no activation or weight bounds)");
                    Tensor xq = quantization.input(layer, x, bits);
                    float[] wq = quantization.weight(layer);
                    convs.put(c.name(), new ConvRecord(layer, x, xq, wq, bits));
                    out = kernels.forward(c, wq, xq, Layout.NHWC);
                } else {
                    out = kernels.forward(c, c.weight(), x, Layout.NHWC);
                }
            } else {
                out = ChannelsLastOps.apply(op, values);
                if (tapNodes.contains(op.name())) taps.put(op.name(), out);
            }
            values.put(op.output(), out);
        }
        counted = countedLayers;
        fab = new double[batch.n];
        for (int s = 0; s < batch.n; s++) fab[s] = counted > 0 ? bitSum[s] / counted : 32.0;
    }

    /** Records the quantized forward of a batch with the §2 quantizers. */
    public static Tape record(QuantModel model, Tensor batch, ConvKernels kernels) {
        return new Tape(model, batch, Quantization.EXACT, kernels);
    }

    /** Records a forward with another quantization (the straight-through surrogate in gradient tests). */
    public static Tape record(QuantModel model, Tensor batch, Quantization quantization, ConvKernels kernels) {
        return new Tape(model, batch, quantization, kernels);
    }

    /** The network's output, NHWC. */
    public Tensor output() { return values.get(model.graph().output()); }

    /** Residual-block outputs by Add node name, in graph order, NHWC. */
    public Map<String, Tensor> taps() { return Collections.unmodifiableMap(taps); }

    /** Each image's FAB (32 when no layer counts). */
    public double[] fab() { return fab.clone(); }

    /** Mean FAB over the batch. */
    public double batchFab() { return Arrays.stream(fab).average().orElse(32.0); }

    /**
     * Reverse pass. {@code dOutput} = dL/d(output); {@code dTaps} = dL/d(residual tap) by Add node name (may be
     * empty), both NHWC; {@code dBatchFab} = dL/d(batch FAB). Bits reach the loss through d xq/db (§2), the layer logits through
     * tanh (§4) and the image thresholds through the soft image offset, straight-through.
     */
    public Gradients backward(Tensor dOutput, Map<String, Tensor> dTaps, double dBatchFab) {
        return backward(dOutput, dTaps, dBatchFab, true);
    }

    /**
     * Reverse pass; with {@code weightBounds} false the weight-bound gradients are left at 0 and the conv
     * backward-weights passes, the most expensive part, are skipped (stages that do not learn uw).
     */
    public Gradients backward(Tensor dOutput, Map<String, Tensor> dTaps, double dBatchFab, boolean weightBounds) {
        Graph g = model.graph();
        Gradients grads = new Gradients();
        Map<String, Tensor> grad = new HashMap<>();
        grad.put(g.output(), dOutput);
        double[][] imageBitGrad = new double[1][batchSize];   // sum over adaptive layers of dL/db(k, s)
        List<Op> ops = g.ops();
        for (int i = ops.size() - 1; i >= 0; i--) {
            Op op = ops.get(i);
            Tensor tapGrad = dTaps.get(op.name());
            if (tapGrad != null) accumulate(grad, op.output(), tapGrad);
            Tensor dy = grad.remove(op.output());
            if (dy == null) continue;
            if (op instanceof Op.Conv2d c) backwardConv(c, dy, grad, grads, dBatchFab, imageBitGrad[0], weightBounds);
            else backwardOp(op, dy, grad);
        }
        ImageBitMap map = model.imageMap();
        if (map.enabled())
            for (int s = 0; s < batchSize; s++) {
                grads.tauLow += imageBitGrad[0][s] * BitMaps.softImageOffsetGradTauLow(complexity[s], map.tauLow(), map.tauHigh());
                grads.tauHigh += imageBitGrad[0][s] * BitMaps.softImageOffsetGradTauHigh(complexity[s], map.tauLow(), map.tauHigh());
            }
        return grads;
    }

    private void backwardConv(Op.Conv2d c, Tensor dy, Map<String, Tensor> grad, Gradients grads, double dBatchFab, double[] imageBitGrad,
                              boolean weightBounds) {
        ConvRecord rec = convs.get(c.name());
        Tensor x = values.get(c.input());
        if (rec == null) {
            accumulate(grad, c.input(), kernels.backwardData(c, c.weight(), dy, x.h, x.w, Layout.NHWC));
            return;
        }
        LayerQuant layer = rec.layer();
        Gradients.Layer lg = grads.layer(layer.name());
        // weight bound: dL/dWq chained through d wq/duw
        if (weightBounds) {
            float[] dw = kernels.backwardWeights(c, rec.quantizedInput(), dy, Layout.NHWC);
            float[] w = c.weight();
            float uw = layer.weightBound();
            double gw = 0;
            for (int k = 0; k < w.length; k++) gw += dw[k] * (double) Quantizers.weightGradBound(w[k], uw, layer.weightBits());
            lg.weightBound += gw;
        }
        // input: STE mask, activation bounds, bits
        Tensor dxq = kernels.backwardData(c, rec.quantizedWeight(), dy, x.h, x.w, Layout.NHWC);
        Tensor dx = new Tensor(x.n, x.c, x.h, x.w);
        float l = layer.lower(), u = layer.upper();
        boolean adaptive = layer.kind() == LayerKind.ADAPTIVE;
        int plane = x.c * x.h * x.w;
        // one sample per task; the per-sample sums are then added in sample order
        Quantizers.ActivationGradSums[] sums = new Quantizers.ActivationGradSums[x.n];
        Parallel.each(x.n, s -> {
            sums[s] = new Quantizers.ActivationGradSums();
            Quantizers.activationBackward(x.data, dxq.data, s * plane, plane, l, u, rec.bits()[s], adaptive, dx.data, sums[s]);
        });
        for (int s = 0; s < x.n; s++) {
            lg.lower += sums[s].lower;
            lg.upper += sums[s].upper;
            double gb = sums[s].bits;
            if (adaptive) {
                // FAB counts this layer's bits: d FAB_batch / d b(k, s) = 1 / (B * counted)
                if (layer.kind().countedInFab()) gb += dBatchFab / ((double) batchSize * counted);
                lg.logit += gb * BitMaps.softLayerOffsetGrad(layer.layerLogit());
                imageBitGrad[s] += gb;
            }
        }
        accumulate(grad, c.input(), dx);
    }

    private void backwardOp(Op op, Tensor dy, Map<String, Tensor> grad) {
        Tensor x = values.get(op.inputs().get(0));
        switch (op) {
            case Op.Conv2d c -> throw new IllegalStateException("convs are handled by backwardConv");
            case Op.Relu r -> accumulate(grad, r.input(), OpGrad.relu(dy, x));
            case Op.LeakyRelu r -> accumulate(grad, r.input(), OpGrad.leakyRelu(dy, x, r.alpha()));
            case Op.PRelu p -> accumulate(grad, p.input(), ChannelsLastOps.preluGrad(dy, x, p.slopes()));
            case Op.Affine a -> accumulate(grad, a.input(), ChannelsLastOps.affineGrad(dy, a.scale()));
            case Op.Add a -> { accumulate(grad, a.a(), dy); accumulate(grad, a.b(), dy); }
            case Op.Sub s -> { accumulate(grad, s.a(), dy); accumulate(grad, s.b(), OpGrad.negate(dy)); }
            case Op.Concat c -> {
                int[] channels = new int[c.inputs().size()];
                for (int k = 0; k < channels.length; k++) channels[k] = values.get(c.inputs().get(k)).c;
                List<Tensor> parts = ChannelsLastOps.concatGrad(dy, channels);
                for (int k = 0; k < channels.length; k++) accumulate(grad, c.inputs().get(k), parts.get(k));
            }
            case Op.DepthToSpace d -> accumulate(grad, d.input(), ChannelsLastOps.depthToSpaceGrad(dy, d.block(), d.order()));
            case Op.Pad p -> accumulate(grad, p.input(), ChannelsLastOps.padGrad(dy, p, x.h, x.w));
            case Op.ResizeNearest r -> accumulate(grad, r.input(), ChannelsLastOps.resizeNearestGrad(dy, r.scale()));
        }
    }

    /** Adds into the running gradient of a tensor; never mutates a tensor it did not create (dy may be shared). */
    private static void accumulate(Map<String, Tensor> grad, String name, Tensor g) {
        Tensor have = grad.get(name);
        if (have == null) { grad.put(name, g); return; }
        Tensor sum = new Tensor(g.n, g.c, g.h, g.w);
        Parallel.ranges(0, sum.data.length, (from, to) -> { for (int i = from; i < to; i++) sum.data[i] = have.data[i] + g.data[i]; });
        grad.put(name, sum);
    }
}
