package adabm.backend.onednn;

import adabm.backend.Backend;
import adabm.backend.BackendOptions;
import adabm.backend.BackendUnavailableException;
import adabm.backend.Plan;
import adabm.graph.Graph;

/** float32 inference on x86-64 Linux through libadabm_native and oneDNN (NHWC activations, fused post-ops). */
public final class OneDnnBackend implements Backend {
    @Override public String name() { return "onednn"; }

    @Override public Availability availability() {
        try {
            String failure = NativeLibrary.failure();
            return failure == null ? Availability.yes() : Availability.no(failure);
        } catch (Throwable t) {  // availability must never throw, whatever the class loading did
            return Availability.no("cannot load the native library: " + t);
        }
    }

    @Override public adabm.backend.ConvKernels convKernels(int threads) {
        if (FloatConvNative.instance() == null)
            throw new BackendUnavailableException("backend 'onednn' is unavailable: " + FloatConvNative.failure());
        return new OneDnnConvKernels(threads);
    }

    @Override public Plan compile(Graph graph, BackendOptions options) {
        NativeLibrary lib = NativeLibrary.instance();
        if (lib == null) throw new BackendUnavailableException("backend 'onednn' is unavailable: " + NativeLibrary.failure());
        return new OneDnnPlan(graph, lib, options.effectiveThreads());
    }
}
