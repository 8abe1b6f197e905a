package adabm.bench;

import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * JMH: one 3x3 conv (64 -> 64 channels, ReLU fused where the backend can) on a 1x64xSxS input, one thread.
 * Run: bench/run JmhMain ConvBenchmark   (or any JMH include pattern)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ConvBenchmark {
    @Param({"onednn"}) public String backend;
    @Param({"128", "256"}) public int size;

    private Plan plan;
    private Tensor input;

    @Setup public void setup() {
        Random r = new Random(1);
        float[] w = new float[64 * 64 * 9];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian() * 0.05f;
        Op.Conv2d conv = new Op.Conv2d("conv", "x", "c", 64, 64, 3, 3, 1, 1, 1, 1, 1, w, new float[64]);
        Graph g = new Graph("conv64", "x", 64, List.of(conv, new Op.Relu("relu", "c", "y")), "y", Map.of());
        plan = Backends.get(backend).compile(g, new BackendOptions(1));
        input = new Tensor(1, 64, size, size);
        for (int i = 0; i < input.data.length; i++) input.data[i] = r.nextFloat();
        plan.run(input);
    }

    @Benchmark public Tensor conv() { return plan.run(input); }

    @TearDown public void tearDown() { plan.close(); }
}
