package adabm.perf;

import adabm.backend.onednn.Int8Plan;
import adabm.quant.FakeQuantRunner;
import adabm.quant.QuantModel;
import adabm.tensor.Tensor;

/** The AdaBM model on the native integer plan (u8 x s8 oneDNN kernels, ADABM.md §8), each image at its own offset. */
public final class Int8PlanRow implements BenchRow {
    private final Int8Plan plan;

    public Int8PlanRow(QuantModel model, int threads) { this.plan = new Int8Plan(model, threads); }

    @Override public String backend() { return "onednn"; }
    @Override public String precision() { return "int8"; }

    @Override public Output run(Tensor lr) {
        FakeQuantRunner.Forward f = plan.run(lr);
        return new Output(f.output(), f.fab()[0]);
    }

    @Override public void close() { plan.close(); }
}
