package adabm.backend;

import adabm.graph.Graph;

/**
 * An execution engine for model graphs. Implementations are found through {@link java.util.ServiceLoader}
 * (see {@link Backends}); one that cannot run on this machine reports why through {@link #availability()}.
 */
public interface Backend {
    /** Stable short name used on the command line: "java", "onednn", ... */
    String name();

    Availability availability();

    /** Compiles the whole graph once; the plan then runs one input per call without per-layer Java work. */
    Plan compile(Graph graph, BackendOptions options);

    /** Per-conv float32 forward and backward kernels (fake-quantized execution, calibration, fine-tuning). */
    ConvKernels convKernels(int threads);

    record Availability(boolean available, String reason) {
        public static Availability yes() { return new Availability(true, "available"); }
        public static Availability no(String reason) { return new Availability(false, reason); }
    }
}
