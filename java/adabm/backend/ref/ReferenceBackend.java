package adabm.backend.ref;

import adabm.backend.Backend;
import adabm.backend.BackendOptions;
import adabm.backend.Plan;
import adabm.graph.Graph;

/** The pure-Java backend: always available, slow, and the oracle for every other backend. */
public final class ReferenceBackend implements Backend {
    @Override public String name() { return "java"; }

    @Override public Availability availability() { return Availability.yes(); }

    @Override public adabm.backend.ConvKernels convKernels(int threads) { return new JavaConvKernels(threads); }

    @Override public Plan compile(Graph graph, BackendOptions options) { return new ReferencePlan(graph, options.effectiveThreads()); }
}
