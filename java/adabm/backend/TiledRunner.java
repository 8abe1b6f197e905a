package adabm.backend;

import adabm.ShapeException;
import adabm.graph.Graph;
import adabm.graph.ReceptiveField;
import adabm.tensor.Tensor;

/**
 * Runs a plan over a large image in tiles so that working memory stays bounded by the tile size. Each tile is
 * extended by the graph's receptive-field halo (clipped at the image border, where the whole-image run pads
 * exactly the same way), and only its centre is kept — so every output pixel is computed from the same inputs
 * as in a whole-image run. The Java reference gives bit-identical results; a native backend may pick other
 * kernels for other tile shapes, which changes float32 summation order only (differences ~1e-5 relative).
 */
public final class TiledRunner {
    private final Plan plan;
    private final int scale;
    private final int tile;
    private final int halo;

    /** @param tile core tile size in input pixels; images no larger than tile+2*halo run whole. */
    public TiledRunner(Plan plan, Graph graph, int tile) {
        if (tile < 1) throw new IllegalArgumentException("tile size must be positive, got " + tile);
        this.plan = plan;
        this.scale = graph.scale();
        this.tile = tile;
        this.halo = ReceptiveField.haloInputPixels(graph);
    }

    public int halo() { return halo; }

    public Tensor run(Tensor image) {
        if (image.n != 1) throw new ShapeException("tiled runs take one image, got a batch of " + image.n);
        if (image.h <= tile + 2 * halo && image.w <= tile + 2 * halo) return plan.run(image);
        Tensor out = null;
        for (int y0 = 0; y0 < image.h; y0 += tile) {
            for (int x0 = 0; x0 < image.w; x0 += tile) {
                int y1 = Math.min(image.h, y0 + tile), x1 = Math.min(image.w, x0 + tile);
                int cy0 = Math.max(0, y0 - halo), cx0 = Math.max(0, x0 - halo);
                int cy1 = Math.min(image.h, y1 + halo), cx1 = Math.min(image.w, x1 + halo);
                Tensor part = plan.run(crop(image, cy0, cx0, cy1, cx1));
                if (out == null) out = new Tensor(1, part.c, image.h * scale, image.w * scale);
                paste(part, (y0 - cy0) * scale, (x0 - cx0) * scale, out, y0 * scale, x0 * scale, (y1 - y0) * scale, (x1 - x0) * scale);
            }
        }
        return out;
    }

    static Tensor crop(Tensor t, int y0, int x0, int y1, int x1) {
        Tensor c = new Tensor(1, t.c, y1 - y0, x1 - x0);
        for (int ch = 0; ch < t.c; ch++)
            for (int y = y0; y < y1; y++)
                System.arraycopy(t.data, t.index(0, ch, y, x0), c.data, c.index(0, ch, y - y0, 0), x1 - x0);
        return c;
    }

    private static void paste(Tensor src, int sy, int sx, Tensor dst, int dy, int dx, int h, int w) {
        for (int ch = 0; ch < src.c; ch++)
            for (int y = 0; y < h; y++)
                System.arraycopy(src.data, src.index(0, ch, sy + y, sx), dst.data, dst.index(0, ch, dy + y, dx), w);
    }
}
