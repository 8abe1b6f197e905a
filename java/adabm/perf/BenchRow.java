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

    @Override default void close() { }
}
