package adabm.bench;

import adabm.backend.ConvKernels;
import adabm.backend.Backends;
import adabm.eval.Dataset;
import adabm.graph.Graph;
import adabm.io.ModelLoader;
import adabm.perf.BenchRow;
import adabm.perf.BenchRows;
import adabm.quant.*;
import adabm.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * JMH, one thread: a whole model on one whole LR image through a `adabm bench` row (default EDSR-8 x2 on Set5 bird,
 * 144x144). Quantized rows use W4A4 fq AdaBM calibrated in setup (16 Kodak24 patches of 48x48, bit-aware clipping, no
 * fine-tuning: speed does not depend on the fine-tuned values).
 *
 *   bench/run JmhMain ModelBenchmark [-p row=onednn-fp32,onednn-fq] [-p model=edsr_baseline8_x2.onnx] [-p image=bird]
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss8m", "-Dadabm.native.dir=target/native"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class ModelBenchmark {
    @Param({"onednn-fp32", "onednn-fq", "onednn-int8"}) public String row;
    @Param({"edsr_baseline8_x2.onnx"}) public String model;
    @Param({"bird"}) public String image;

    private BenchRow bench;
    private Tensor lr;

    @Setup public void setup() throws Exception {
        Path shared = Path.of(System.getProperty("adabm.shared", "../shared"));
        Graph g = ModelLoader.load(shared.resolve("models").resolve(model), OptionalInt.empty());
        Dataset set5 = Dataset.open(shared.resolve("datasets/Set5"));
        lr = set5.pairs(g.scale()).stream().filter(p -> p.name().equals(image)).findFirst().orElseThrow().readLr();
        QuantModel qm = null;
        if (!row.endsWith("fp32")) {
            List<Tensor> patches = CalibrationPatches.sample(shared.resolve("datasets/Kodak24/LR_bicubic/X" + g.scale()), 16, 48, 0);
            qm = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
            try (ConvKernels k = Backends.get("onednn").convKernels(2); FakeQuantRunner r = new FakeQuantRunner(qm, k)) {
                Calibrator.calibrate(r, patches, CalibrationMethod.ADABM);
                BitAwareClipping.apply(r, Calibrator.stack(patches.subList(0, 2)));
            }
        }
        bench = BenchRows.open(List.of(row), new BenchRows.Context(g, qm, 1)).getFirst();
        bench.run(lr);
    }

    @Benchmark public BenchRow.Output run() { return bench.run(lr); }

    @TearDown public void tearDown() { bench.close(); }
}
