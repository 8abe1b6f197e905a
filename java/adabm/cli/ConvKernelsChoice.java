package adabm.cli;

import adabm.backend.BackendUnavailableException;
import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import adabm.backend.onednn.NativeCpu;
import java.io.PrintStream;

/**
 * Picks the per-conv kernels of fake-quantized runs (quantize, eval --quant, compare, bitmap): the named backend's
 * where the user named one (an unknown or unavailable one is an error), else the native CPU backend's when it has
 * them here (onednn; the aarch64 acl build has no float32 training kernels), else the Java reference's, said once on
 * stderr.
 */
final class ConvKernelsChoice {
    private ConvKernelsChoice() { }

    /**
     * @param backend the user's {@code --backend}, or null for the default
     * @param threads 0 = all cores
     */
    static ConvKernels open(String backend, int threads, PrintStream err) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        if (backend != null) return Backends.get(backend).convKernels(n);
        try {
            return Backends.get(NativeCpu.floatBackendName()).convKernels(n);
        } catch (BackendUnavailableException e) {
            err.println(e.getMessage() + "; using the java conv kernels");
            return Backends.get("java").convKernels(n);
        }
    }
}
