package adabm.perf;

import adabm.backend.BackendUnavailableException;
import adabm.backend.onednn.Int8Plan;
import adabm.backend.onednn.NativeCpu;
import adabm.quant.FakeQuantRunner;
import adabm.quant.QuantModel;
import adabm.tensor.Tensor;

/**
 * The AdaBM model on the native integer plan (u8 x s8 kernels, ADABM.md §8: oneDNN on x86-64, the ARM Compute Library
 * on aarch64), each image at its own offset.
 */
public final class Int8PlanRow implements BenchRow {
    private final String backend;
    private final Int8Plan plan;

    /** @param name "onednn-int8" or "acl-int8": refused unless it is this machine's build */
    public Int8PlanRow(String name, QuantModel model, int threads) {
        String failure = NativeCpu.int8UnavailableReason(name);
        if (failure != null) throw new BackendUnavailableException(name + " is unavailable: " + failure);
        this.backend = name.substring(0, name.length() - "-int8".length());
        this.plan = new Int8Plan(model, threads);
    }

    @Override public String backend() { return backend; }
    @Override public String precision() { return "int8"; }

    @Override public Output run(Tensor lr) {
        FakeQuantRunner.Forward f = plan.run(lr);
        return new Output(f.output(), f.fab()[0]);
    }

    @Override public void close() { plan.close(); }
}
