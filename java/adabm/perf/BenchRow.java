package adabm.perf;

import adabm.tensor.Tensor;

/**
 * One row of the backend comparison ({@link BackendBench}): an engine at one precision that upscales one LR image.
 * Rows are prepared once (compile, load weights) and closed after the run.
 */
public interface BenchRow extends AutoCloseable {
    /** Engine name in the table, e.g. "java", "onednn", "onnxruntime". */
    String backend();

    /** "float32", "fake-quant" (float kernels on fake-quantized values) or "int8". */
    String precision();

    /** Upscales one LR image [1,C,H,W]: the SR image and the FAB of this forward (32 for float). */
    Output run(Tensor lr);

    record Output(Tensor sr, double fab) { }

    /** A line the bench prints under the table after the runs (the GPU rows' copy/compute split), or null. */
    default String note() { return null; }

    /** "cuda/int8 last run: copy in 0.120 ms, compute 1.300 ms, copy out 0.200 ms (copies 19%)". */
    static String split(BenchRow row, adabm.backend.cuda.CudaTimes t) {
        return String.format(java.util.Locale.ROOT, "%s/%s last run: copy in %.3f ms, compute %.3f ms, copy out %.3f ms (copies %.0f%%)",
                row.backend(), row.precision(), t.h2dMs(), t.computeMs(), t.d2hMs(), 100 * t.copyShare());
    }

    @Override default void close() { }
}
