package adabm.backend.onednn;

import static adabm.backend.onednn.OneDnnTestSupport.conv;

import adabm.graph.Graph;
import adabm.graph.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small stand-ins for the real networks, built from random weights. */
final class OneDnnModels {
    private OneDnnModels() { }

    /** EDSR x2: mean shift, head conv 3->f, blocks of conv-relu-conv-add, conv f->4f, depth-to-space 2, conv f->3. */
    static Graph edsrLike(Random rnd, int features, int blocks) {
        List<Op> ops = new ArrayList<>();
        ops.add(new Op.Affine("sub_mean", "x", "m", new float[] {1f}, new float[] {-114f, -111f, -103f}));
        ops.add(conv(rnd, "head", "m", "h", 3, features, 3, 1));
        String cur = "h";
        for (int b = 0; b < blocks; b++) {
            ops.add(conv(rnd, "b" + b + ".0", cur, "b" + b + "c0", features, features, 3, 1));
            ops.add(new Op.Relu("b" + b + ".relu", "b" + b + "c0", "b" + b + "r"));
            ops.add(conv(rnd, "b" + b + ".2", "b" + b + "r", "b" + b + "c2", features, features, 3, 1));
            ops.add(new Op.Add("b" + b + ".add", "b" + b + "c2", cur, "b" + b + "out"));
            cur = "b" + b + "out";
        }
        ops.add(conv(rnd, "body_end", cur, "be", features, features, 3, 1));
        ops.add(new Op.Add("global_res", "be", "h", "g"));
        ops.add(conv(rnd, "up", "g", "u", features, 4 * features, 3, 1));
        ops.add(new Op.DepthToSpace("shuffle", "u", "s", 2, Op.ShuffleOrder.CRD));
        ops.add(conv(rnd, "tail", "s", "t", features, 3, 3, 1));
        ops.add(new Op.Affine("add_mean", "t", "y", new float[] {1f}, new float[] {114f, 111f, 103f}));
        return new Graph("edsr-like-" + features + "x" + blocks, "x", 3, ops, "y", Map.of());
    }
}
