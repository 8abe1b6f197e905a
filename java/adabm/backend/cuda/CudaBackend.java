package adabm.backend.cuda;

import adabm.backend.Backend;
import adabm.backend.BackendOptions;
import adabm.backend.BackendUnavailableException;
import adabm.backend.ConvKernels;
import adabm.backend.Plan;
import adabm.graph.Graph;

/**
 * float32 whole-model plans on an NVIDIA GPU through libadabm_cuda ({@link CudaPlan}); the integer plans of quantized
 * models are {@link CudaInt8Plan}. Unavailable, with the reason, where the library was not built (no nvcc) or no
 * CUDA driver or GPU is present. Never picked by {@link adabm.backend.Backends#best()}: it is asked for by name.
 */
public final class CudaBackend implements Backend {
    @Override public String name() { return "cuda"; }

    @Override public Availability availability() {
        String reason = CudaNative.unavailableReason();   // never throws
        return reason == null ? Availability.yes() : Availability.no(reason);
    }

    /** Options' threads do not apply: the plan runs on the GPU. */
    @Override public Plan compile(Graph graph, BackendOptions options) { return new CudaPlan(graph); }

    /**
     * The GPU library runs whole plans only: fake-quantized runs, calibration and fine-tuning need per-conv kernels,
     * which the onednn and java backends have.
     */
    @Override public ConvKernels convKernels(int threads) {
        throw new BackendUnavailableException("backend 'cuda' has no per-conv kernels (fake-quantized runs, calibration, "
                + "fine-tuning): it runs whole plans only; use the onednn or java backend for those");
    }
}
