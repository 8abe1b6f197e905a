package adabm.backend.onednn;

import adabm.backend.Backend;
import adabm.backend.BackendOptions;
import adabm.backend.BackendUnavailableException;
import adabm.backend.ConvKernels;
import adabm.backend.Plan;
import adabm.graph.Graph;

/**
 * float32 inference through libadabm_native (NHWC activations, fused post-ops), under the name of the build that
 * loaded: {@link OneDnnBackend} on x86-64, {@link AclBackend} on aarch64. The other one reports itself unavailable.
 */
abstract class NativeCpuBackend implements Backend {
    private final String name;

    NativeCpuBackend(String name) { this.name = name; }

    @Override public final String name() { return name; }

    @Override public final Availability availability() {
        try {
            String failure = NativeCpu.unavailableReason(name);
            return failure == null ? Availability.yes() : Availability.no(failure);
        } catch (Throwable t) {  // availability must never throw, whatever the class loading did
            return Availability.no("cannot load the native library: " + t);
        }
    }

    /** The float32 per-conv kernels (fake-quantized runs, fine-tuning): the oneDNN build only. */
    @Override public final ConvKernels convKernels(int threads) {
        String failure = NativeCpu.unavailableReason(name);
        if (failure != null) throw new BackendUnavailableException("backend '" + name + "' is unavailable: " + failure);
        if (FloatConvNative.instance() == null)
            throw new BackendUnavailableException("backend '" + name + "' has no float32 conv kernels: " + FloatConvNative.failure());
        return new OneDnnConvKernels(threads);
    }

    @Override public final Plan compile(Graph graph, BackendOptions options) {
        String failure = NativeCpu.unavailableReason(name);
        if (failure != null) throw new BackendUnavailableException("backend '" + name + "' is unavailable: " + failure);
        return new OneDnnPlan(graph, NativeLibrary.instance(), options.effectiveThreads());
    }
}
