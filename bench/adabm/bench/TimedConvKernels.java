package adabm.bench;

import adabm.backend.ConvKernels;
import adabm.graph.Op;
import adabm.tensor.Layout;
import adabm.tensor.Tensor;

/** A {@link ConvKernels} wrapper that adds up the wall time of each pass (for step breakdowns in timing tests). */
public final class TimedConvKernels implements ConvKernels {
    private final ConvKernels inner;
    public long forwardNanos, backwardDataNanos, backwardWeightsNanos;
    public int forwardCalls, backwardDataCalls, backwardWeightsCalls;
    /** CPU time of the calling thread inside the calls (all of oneDNN's work when it runs on 1 thread). */
    public long cpuNanos;
    private final java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();

    public TimedConvKernels(ConvKernels inner) { this.inner = inner; }

    public void reset() {
        forwardNanos = backwardDataNanos = backwardWeightsNanos = 0;
        forwardCalls = backwardDataCalls = backwardWeightsCalls = 0;
        cpuNanos = 0;
    }

    public long totalNanos() { return forwardNanos + backwardDataNanos + backwardWeightsNanos; }

    @Override public String name() { return inner.name(); }

    @Override public Tensor forward(Op.Conv2d conv, float[] weight, Tensor x) { return forward(conv, weight, x, Layout.NCHW); }

    @Override public Tensor backwardData(Op.Conv2d conv, float[] weight, Tensor dy, int inH, int inW) {
        return backwardData(conv, weight, dy, inH, inW, Layout.NCHW);
    }

    @Override public float[] backwardWeights(Op.Conv2d conv, Tensor x, Tensor dy) { return backwardWeights(conv, x, dy, Layout.NCHW); }

    @Override public Tensor forward(Op.Conv2d conv, float[] weight, Tensor x, Layout layout) {
        long t = System.nanoTime(), c = mx.getCurrentThreadCpuTime();
        Tensor y = inner.forward(conv, weight, x, layout);
        forwardNanos += System.nanoTime() - t;
        cpuNanos += mx.getCurrentThreadCpuTime() - c;
        forwardCalls++;
        return y;
    }

    @Override public Tensor backwardData(Op.Conv2d conv, float[] weight, Tensor dy, int inH, int inW, Layout layout) {
        long t = System.nanoTime(), c = mx.getCurrentThreadCpuTime();
        Tensor dx = inner.backwardData(conv, weight, dy, inH, inW, layout);
        backwardDataNanos += System.nanoTime() - t;
        cpuNanos += mx.getCurrentThreadCpuTime() - c;
        backwardDataCalls++;
        return dx;
    }

    @Override public float[] backwardWeights(Op.Conv2d conv, Tensor x, Tensor dy, Layout layout) {
        long t = System.nanoTime(), c = mx.getCurrentThreadCpuTime();
        float[] dw = inner.backwardWeights(conv, x, dy, layout);
        backwardWeightsNanos += System.nanoTime() - t;
        cpuNanos += mx.getCurrentThreadCpuTime() - c;
        backwardWeightsCalls++;
        return dw;
    }

    @Override public void close() { inner.close(); }
}
