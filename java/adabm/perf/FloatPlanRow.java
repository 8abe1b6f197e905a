package adabm.perf;

import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.backend.cuda.CudaPlan;
import adabm.graph.Graph;
import adabm.quant.Fab;
import adabm.tensor.Tensor;

/** A float32 whole-model plan of a registered backend (the oneDNN and cuda rows); no tiling, whole images. */
public final class FloatPlanRow implements BenchRow {
    private final String backend;
    private final Plan plan;

    public FloatPlanRow(String backend, Graph g, int threads) {
        this.backend = backend;
        this.plan = Backends.get(backend).compile(g, new BackendOptions(threads));
    }

    @Override public String backend() { return backend; }
    @Override public String precision() { return "float32"; }
    @Override public Output run(Tensor lr) { return new Output(plan.run(lr), Fab.FLOAT); }
    @Override public String note() { return plan instanceof CudaPlan c ? BenchRow.split(this, c.lastTimes()) : null; }
    @Override public void close() { plan.close(); }
}
