package adabm.perf;

import adabm.backend.ConvKernels;
import adabm.quant.FakeQuantRunner;
import adabm.quant.ForwardHooks;
import adabm.quant.QuantModel;
import adabm.tensor.Tensor;

/**
 * The fake-quantized model (ADABM.md §2) on per-conv float kernels, each image at its own image offset: with the
 * Java kernels this is the reference AdaBM row, with oneDNN's it is the same arithmetic on native float kernels.
 */
public final class FakeQuantRow implements BenchRow {
    private final ConvKernels kernels;
    private final FakeQuantRunner runner;
    private final Integer fixedOffset;

    /** Takes ownership of the kernels (closed with the row); each image at its own offset from the image bit map. */
    public FakeQuantRow(QuantModel model, ConvKernels kernels) { this(model, kernels, null); }

    /**
     * @param fixedOffset every image at this image offset (as a static export runs), or null for the image bit map
     */
    public FakeQuantRow(QuantModel model, ConvKernels kernels, Integer fixedOffset) {
        if (fixedOffset != null && (fixedOffset < -1 || fixedOffset > 1))
            throw new IllegalArgumentException("image offset must be -1, 0 or 1, got " + fixedOffset);
        this.kernels = kernels;
        this.runner = new FakeQuantRunner(model, kernels);
        this.fixedOffset = fixedOffset;
    }

    @Override public String backend() { return kernels.name(); }
    @Override public String precision() { return fixedOffset == null ? "fake-quant" : "fake-quant@" + fixedOffset; }

    @Override public Output run(Tensor lr) {
        FakeQuantRunner.Forward f = fixedOffset == null ? runner.run(lr, ForwardHooks.NONE)
                : runner.run(lr, new int[] {fixedOffset}, ForwardHooks.NONE);
        return new Output(f.output(), f.fab()[0]);
    }

    @Override public void close() {
        runner.close();
        kernels.close();
    }
}
