package adabm.io.torch;

import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.nio.file.Path;

/** Test helpers: crops, running a graph on the Java reference backend. */
final class TorchTestSupport {
    private TorchTestSupport() { }

    static Tensor crop(Tensor t, int y0, int x0, int h, int w) {
        Tensor c = new Tensor(t.n, t.c, h, w);
        for (int n = 0; n < t.n; n++)
            for (int ch = 0; ch < t.c; ch++)
                for (int y = 0; y < h; y++)
                    System.arraycopy(t.data, t.index(n, ch, y0 + y, x0), c.data, c.index(n, ch, y, 0), w);
        return c;
    }

    static Tensor run(Graph g, Tensor input) {
        try (Plan p = Backends.get("java").compile(g, new BackendOptions(2))) {
            return p.run(input);
        }
    }

    /**
     * How far (in input pixels) an output pixel can see: each k x k conv adds k/2 pixels at the resolution it runs at.
     * Output pixels farther than this from a crop's border do not see the zero padding, so they equal the whole-image output.
     */
    static int receptiveRadius(Graph g) {
        double radius = 0, scale = 1;
        for (Op op : g.ops()) {
            switch (op) {
                case Op.Conv2d c -> radius += (c.kernelH() / 2) / scale;
                case Op.DepthToSpace d -> scale *= d.block();
                case Op.ResizeNearest r -> scale *= r.scale();
                default -> { }
            }
        }
        return (int) Math.ceil(radius);
    }
}
