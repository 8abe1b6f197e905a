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

    /** Takes ownership of the kernels (closed with the row). */
    public FakeQuantRow(QuantModel model, ConvKernels kernels) {
        this.kernels = kernels;
        this.runner = new FakeQuantRunner(model, kernels);
    }

    @Override public String backend() { return kernels.name(); }
    @Override public String precision() { return "fake-quant"; }

    @Override public Output run(Tensor lr) {
        FakeQuantRunner.Forward f = runner.run(lr, ForwardHooks.NONE);
        return new Output(f.output(), f.fab()[0]);
    }

    @Override public void close() {
        runner.close();
        kernels.close();
    }
}
