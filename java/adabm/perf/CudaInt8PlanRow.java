package adabm.perf;

import adabm.backend.cuda.CudaInt8Plan;
import adabm.quant.FakeQuantRunner;
import adabm.quant.QuantModel;
import adabm.tensor.Tensor;

/** The AdaBM model on the GPU integer plan; the image's offset from the bit map, computed on the device. */
public final class CudaInt8PlanRow implements BenchRow {
    private final CudaInt8Plan plan;

    public CudaInt8PlanRow(QuantModel model) { this.plan = new CudaInt8Plan(model); }

    @Override public String backend() { return "cuda"; }
    @Override public String precision() { return "int8"; }

    @Override public Output run(Tensor lr) {
        FakeQuantRunner.Forward f = plan.run(lr);
        return new Output(f.output(), f.fab()[0]);
    }

    @Override public String note() { return BenchRow.split(this, plan.lastTimes()); }

    @Override public void close() { plan.close(); }
}
