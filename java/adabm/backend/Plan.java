package adabm.backend;

import adabm.tensor.Tensor;

/**
 * A graph compiled for one backend. {@link #run} takes a batch [N,C,H,W] of any spatial size (backends cache
 * per-shape state) and returns the graph output. Plans hold native resources: close them (try-with-resources).
 */
public interface Plan extends AutoCloseable {
    Tensor run(Tensor input);

    @Override void close();
}
