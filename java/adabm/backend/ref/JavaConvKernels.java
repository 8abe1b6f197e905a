package adabm.backend.ref;

import adabm.backend.ConvKernels;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.concurrent.ForkJoinPool;

/** {@link ConvKernels} on {@link RefKernels#conv2d} and {@link ConvGrad}: the oracle for native implementations. */
public final class JavaConvKernels implements ConvKernels {
    private final ForkJoinPool pool;

    public JavaConvKernels(int threads) { this.pool = threads > 1 ? new ForkJoinPool(threads) : null; }

    @Override public String name() { return "java"; }

    @Override public Tensor forward(Op.Conv2d conv, float[] weight, Tensor x) {
        return RefKernels.conv2d(x, weight == conv.weight() ? conv : withWeight(conv, weight), pool);
    }

    @Override public Tensor backwardData(Op.Conv2d conv, float[] weight, Tensor dy, int inH, int inW) {
        return ConvGrad.backwardData(dy, conv, weight, inH, inW, pool);
    }

    @Override public float[] backwardWeights(Op.Conv2d conv, Tensor x, Tensor dy) {
        return ConvGrad.backwardWeights(dy, x, conv, pool);
    }

    /** The same conv with another weight of the same shape. */
    public static Op.Conv2d withWeight(Op.Conv2d c, float[] w) {
        return new Op.Conv2d(c.name(), c.input(), c.output(), c.inChannels(), c.outChannels(), c.kernelH(), c.kernelW(),
                c.padTop(), c.padLeft(), c.padBottom(), c.padRight(), c.groups(), w, c.bias());
    }

    @Override public void close() { if (pool != null) pool.shutdown(); }
}
