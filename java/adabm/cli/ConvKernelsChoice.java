package adabm.cli;

import adabm.backend.BackendUnavailableException;
import adabm.backend.Backends;
import adabm.backend.ConvKernels;

/**
 * Picks the per-conv kernels for fake-quantized runs (quantize, eval --quant): the named backend's, where the
 * user named one (an unavailable one is an error), else oneDNN's when they load here, else the Java reference.
 */
final class ConvKernelsChoice {
    private ConvKernelsChoice() { }

    /** @param threads 0 = all cores */
    static ConvKernels open(String backend, int threads) {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        if (backend != null) return Backends.get(backend).convKernels(n);
        try {
            return Backends.get("onednn").convKernels(n);
        } catch (BackendUnavailableException e) {
            return Backends.get("java").convKernels(n);
        }
    }
}
