package adabm.graph;

import java.util.HashMap;
import java.util.Map;

/**
 * How far (in input pixels) an output pixel can see: the halo a tile needs so that its centre equals the
 * whole-image result. Conservative: each conv adds its largest one-sided reach, divided by the upscaling
 * already applied at that point (rounded up); paths join with max.
 */
public final class ReceptiveField {
    private ReceptiveField() { }

    public static int haloInputPixels(Graph g) {
        Map<String, Integer> halo = new HashMap<>();   // reach in units of 1/upscale... kept in input pixels
        Map<String, Integer> up = new HashMap<>();     // upscaling factor of each tensor relative to the input
        halo.put(g.input(), 0);
        up.put(g.input(), 1);
        for (Op op : g.ops()) {
            int h = 0, f = 1;
            for (String in : op.inputs()) { h = Math.max(h, halo.get(in)); f = up.get(in); }
            switch (op) {
                case Op.Conv2d c -> {
                    int reach = Math.max(Math.max(c.padTop(), c.kernelH() - 1 - c.padTop()),
                                         Math.max(c.padLeft(), c.kernelW() - 1 - c.padLeft()));
                    h += (reach + f - 1) / f;
                }
                case Op.Pad p -> h += (Math.max(Math.max(p.top(), p.bottom()), Math.max(p.left(), p.right())) + f - 1) / f;
                case Op.DepthToSpace d -> f *= d.block();
                case Op.ResizeNearest r -> f *= r.scale();
                default -> { }
            }
            halo.put(op.output(), h);
            up.put(op.output(), f);
        }
        return halo.get(g.output());
    }
}
