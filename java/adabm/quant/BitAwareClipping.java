package adabm.quant;

import adabm.tensor.Tensor;

/**
 * Bit-aware clipping (ADABM.md §5), once per layer on the first fine-tuning batch: on the layer's actual input
 * (earlier layers already quantized) at b* = base + layer offset, try (l_i, u_i) = (1 - 0.01 i)(l, u) for
 * i = 0..99, keep the pair with the least mean((x - xq)^2), then move the bounds half way: l = (l + l*)/2,
 * u = (u + u*)/2. Fixed-8 and float layers are left alone.
 */
public final class BitAwareClipping {
    public static final int CANDIDATES = 100;

    private BitAwareClipping() { }

    /** Runs one quantized forward over the batch, clipping every eligible layer as its input arrives. */
    public static FakeQuantRunner.Forward apply(FakeQuantRunner runner, Tensor batch) {
        return apply(runner, batch, ForwardHooks.NONE);
    }

    /** As above; {@code observer} sees the same forward (each conv's input before its layer is clipped, the taps). */
    public static FakeQuantRunner.Forward apply(FakeQuantRunner runner, Tensor batch, ForwardHooks observer) {
        return runner.run(batch, new ForwardHooks() {
            @Override public void residualTap(String addNode, Tensor output) { observer.residualTap(addNode, output); }

            @Override public void beforeConv(LayerQuant layer, Tensor input, int[] bits) {
                observer.beforeConv(layer, input, bits);
                if (bits == null || layer.kind() == LayerKind.FIXED8) return;
                int b = layer.baseActivationBits() + layer.layerOffset();
                float[] best = search(input.data, layer.lower(), layer.upper(), b);
                layer.setActivationBounds((layer.lower() + best[0]) / 2, (layer.upper() + best[1]) / 2);
            }
        });
    }

    /** The candidate (l*, u*) with the least mean squared quantization error over x (first minimum wins). */
    public static float[] search(float[] x, float l, float u, int bits) {
        Quantizers.checkBits(bits, "bit-aware clipping");
        int n = Quantizers.levels(bits);
        // each candidate's error is summed in index order by one task, so the choice never depends on threads
        double[] err = new double[CANDIDATES];
        Parallel.each(CANDIDATES, i -> {
            float s = 1 - 0.01f * i;
            float li = s * l, ui = s * u;
            if (!(li < ui)) { err[i] = Double.NaN; return; }
            double sum = 0;
            for (float v : x) {
                double d = v - Quantizers.activationUnchecked(v, li, ui, n);
                sum += d * d;
            }
            err[i] = sum / x.length;
        });
        float bestL = l, bestU = u;
        double bestErr = Double.POSITIVE_INFINITY;
        for (int i = 0; i < CANDIDATES; i++) {
            float s = 1 - 0.01f * i;
            if (err[i] < bestErr) { bestErr = err[i]; bestL = s * l; bestU = s * u; }   // NaN (skipped candidate) never wins
        }
        return new float[] {bestL, bestU};
    }
}
