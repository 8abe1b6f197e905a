package adabm.bench;

import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.backend.onednn.QuantConv;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * JMH, one thread: one 3x3 conv 64 -> 64 on a 1x64xSxS input (S = 96 by default), float32 vs int8.
 * float32: the oneDNN float plan of that one conv. int8: {@link QuantConv} on u8 activation codes at abits and
 * s8 weight codes at wbits, requantizing its output to the next layer's u8 codes (the whole-model int8 data path:
 * codes in, codes out, no float tensor). Bits 2..8 all run on the same int8 kernels (ADABM.md §8).
 *
 *   bench/run JmhMain SingleConvBenchmark [-p size=96,192] [-p abits=2,4,6,8] [-p wbits=4,8]
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dadabm.native.dir=target/native"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SingleConvBenchmark {
    static final int C = 64;

    static float[] weights(Random r) {
        float[] w = new float[C * C * 9];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian() * 0.05f;
        return w;
    }

    @State(Scope.Benchmark)
    public static class Float32 {
        @Param({"96"}) public int size;
        Plan plan;
        Tensor input;

        @Setup public void setup() {
            Random r = new Random(1);
            Op.Conv2d conv = new Op.Conv2d("conv", "x", "y", C, C, 3, 3, 1, 1, 1, 1, 1, weights(r), new float[C]);
            plan = Backends.get("onednn").compile(new Graph("conv64", "x", C, List.of(conv), "y", Map.of()), new BackendOptions(1));
            input = new Tensor(1, C, size, size);
            for (int i = 0; i < input.data.length; i++) input.data[i] = r.nextFloat();
            plan.run(input);
        }

        @TearDown public void tearDown() { plan.close(); }
    }

    @State(Scope.Benchmark)
    public static class Int8 {
        @Param({"96"}) public int size;
        @Param({"2", "4", "6", "8"}) public int abits;
        @Param({"4", "8"}) public int wbits;
        QuantConv conv;

        @Setup public void setup() {
            Random r = new Random(1);
            conv = new QuantConv(QuantConv.Geometry.same(C, C, 3, 1), weights(r), new float[C], 1);
            conv.setWeightBits(0.12f, wbits);
            MemorySegment in = conv.inputBuffer(1, size, size);
            int levels = (1 << abits) - 1;
            for (long i = 0; i < in.byteSize(); i++) in.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt(levels + 1));
            run();
        }

        void run() { conv.runBuffers(1, size, size, -0.5f, 1.5f, abits, new QuantConv.Requant(-0.3f, 1.2f, abits), false); }

        @TearDown public void tearDown() { conv.close(); }
    }

    @Benchmark public Tensor float32(Float32 s) { return s.plan.run(s.input); }

    @Benchmark public void int8(Int8 s) { s.run(); }
}
