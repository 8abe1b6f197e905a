package adabm.bench;

import adabm.TestData;
import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import adabm.backend.ref.JavaConvKernels;
import adabm.graph.Graph;
import adabm.io.ModelLoader;
import adabm.quant.*;
import adabm.quant.train.FineTuneLoss;
import adabm.quant.train.Tape;
import adabm.quant.train.Teacher;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * Where one AdaBM fine-tuning step's time goes on EDSR-8 x2 at the paper's size (96x96 LR Kodak24 patches, batch 2):
 * teacher (float forward), quantized forward (Tape.record), loss, backward with and without the weight-bound pass;
 * conv time per pass and the rest (Java element-wise work: quantizers, the tape's STE loop, other ops, copies).
 * Wall time, process CPU time and the calling thread's CPU time are printed: on a shared machine CPU times are the
 * steadier figures, and with 1 thread (oneDNN then runs on the calling thread) the calling thread's CPU time inside
 * the conv calls is the whole conv cost.
 * Run: bench/run FineTuneStepBench [threads=2] [oneDNN steps=5] [java steps=0]
 */
public final class FineTuneStepBench {
    public record Result(double wallSeconds, double cpuSeconds) { }

    public static void main(String[] args) throws IOException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int javaSteps = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        QuantModel m = edsr8Calibrated(threads);
        Tensor batch = batch();
        try (TimedConvKernels k = new TimedConvKernels(Backends.get("onednn").convKernels(threads))) { time(m, batch, k, 3, steps); }
        if (javaSteps > 0)
            try (TimedConvKernels k = new TimedConvKernels(new JavaConvKernels(threads))) { time(m, batch, k, 1, javaSteps); }
    }

    static List<Tensor> patches() {
        return CalibrationPatches.sample(TestData.dataset("Kodak24/LR_bicubic/X2"), 4, 96, 0);
    }

    public static Tensor batch() { return Calibrator.stack(patches().subList(0, 2)); }

    /** EDSR-8 x2 at W4A4 (FQ), AdaBM-calibrated on four 96x96 patches with the oneDNN kernels. */
    public static QuantModel edsr8Calibrated(int threads) throws IOException {
        Graph g = ModelLoader.load(TestData.model("edsr_baseline8_x2.onnx"), OptionalInt.empty());
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
        try (ConvKernels k = Backends.get("onednn").convKernels(threads); FakeQuantRunner r = new FakeQuantRunner(m, k)) {
            Calibrator.calibrate(r, patches(), CalibrationMethod.ADABM);
        }
        return m;
    }

    private static final java.lang.management.ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    /** Mean wall and CPU seconds of a full w-stage step (weight bounds on) after warm-up steps; prints the breakdown. */
    public static Result time(QuantModel m, Tensor batch, TimedConvKernels k, int warmup, int reps) {
        double wallSum = 0, cpuSum = 0;
        try (FakeQuantRunner r = new FakeQuantRunner(m, k)) {
            for (int rep = 0; rep < warmup + reps; rep++) {
                boolean measured = rep >= warmup;
                for (boolean weightBounds : new boolean[] {true, false}) {
                    k.reset();
                    double cpu0 = cpuSeconds();
                    long main0 = MX.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    Teacher teacher = Teacher.of(r, batch).channelsLast();
                    long t1 = System.nanoTime();
                    long convTeacher = k.totalNanos();
                    Tape tape = Tape.record(m, batch, k);
                    long t2 = System.nanoTime();
                    long convRecord = k.totalNanos() - convTeacher;
                    FineTuneLoss.Value v = FineTuneLoss.compute(tape.output(), teacher.output(), tape.taps(), teacher.taps(), tape.batchFab(), 4, 50);
                    long t3 = System.nanoTime();
                    long before = k.totalNanos();
                    tape.backward(v.dOutput(), v.dTaps(), v.dBatchFab(), weightBounds);
                    long t4 = System.nanoTime();
                    double cpu = cpuSeconds() - cpu0;
                    double mainCpu = (MX.getCurrentThreadCpuTime() - main0) / 1e9, convCpu = k.cpuNanos / 1e9;
                    long convBackward = k.totalNanos() - before;
                    double step = (t4 - t0) / 1e9;
                    if (weightBounds && measured) { wallSum += step; cpuSum += cpu; }
                    if (!measured) continue;
                    System.out.printf(Locale.ROOT,
                            "%-6s weightBounds=%-5s step %.3f s (cpu %.3f s) | teacher %.3f (conv %.3f) | record %.3f (conv %.3f) | loss %.3f | backward %.3f (conv %.3f)"
                                    + " | conv fwd %.3f s x%d, bwd-data %.3f s x%d, bwd-weights %.3f s x%d | non-conv %.3f s%n",
                            k.name(), weightBounds, step, cpu, (t1 - t0) / 1e9, convTeacher / 1e9, (t2 - t1) / 1e9, convRecord / 1e9,
                            (t3 - t2) / 1e9, (t4 - t3) / 1e9, convBackward / 1e9,
                            k.forwardNanos / 1e9, k.forwardCalls, k.backwardDataNanos / 1e9, k.backwardDataCalls,
                            k.backwardWeightsNanos / 1e9, k.backwardWeightsCalls, step - k.totalNanos() / 1e9);
                    System.out.printf(Locale.ROOT, "%-6s weightBounds=%-5s calling thread cpu %.3f s: in conv calls %.3f s (copies included), Java outside them %.3f s%n",
                            k.name(), weightBounds, mainCpu, convCpu, mainCpu - convCpu);
                }
            }
        }
        return new Result(wallSum / reps, cpuSum / reps);
    }
}
