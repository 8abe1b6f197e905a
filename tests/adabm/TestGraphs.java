package adabm;

import adabm.graph.Graph;
import adabm.graph.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small random-weight graphs with the structure of real SR networks, for tests that need no files. */
public final class TestGraphs {
    private TestGraphs() { }

    /** EDSR-like: mean shift, head conv, residual blocks, global skip, conv + pixel shuffle, tail conv. */
    public static Graph tinyEdsr(int feats, int blocks, int scale, long seed) {
        Random r = new Random(seed);
        List<Op> ops = new ArrayList<>();
        ops.add(new Op.Affine("sub_mean", "lr", "x0", new float[] {1f}, new float[] {-114f, -111f, -103f}));
        ops.add(conv(r, "head.0", "x0", "head", 3, feats, 3));
        String x = "head";
        for (int b = 0; b < blocks; b++) {
            ops.add(conv(r, "body." + b + ".conv1", x, "b" + b + "c1", feats, feats, 3));
            ops.add(new Op.Relu("body." + b + ".relu", "b" + b + "c1", "b" + b + "r"));
            ops.add(conv(r, "body." + b + ".conv2", "b" + b + "r", "b" + b + "c2", feats, feats, 3));
            ops.add(new Op.Add("body." + b + ".add", "b" + b + "c2", x, "b" + b));
            x = "b" + b;
        }
        ops.add(conv(r, "body." + blocks, x, "bodyout", feats, feats, 3));
        ops.add(new Op.Add("body.skip", "bodyout", "head", "skip"));
        ops.add(conv(r, "tail.0.0", "skip", "up", feats, feats * scale * scale, 3));
        ops.add(new Op.DepthToSpace("tail.0.1", "up", "shuf", scale, Op.ShuffleOrder.CRD));
        ops.add(conv(r, "tail.1", "shuf", "sr", feats, 3, 3));
        return new Graph("tiny-edsr", "lr", 3, ops, "sr", Map.of());
    }

    public static Op.Conv2d conv(Random r, String name, String in, String out, int cin, int cout, int k) {
        float[] w = new float[cout * cin * k * k];
        float std = (float) Math.sqrt(2.0 / (cin * k * k));
        for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * std);
        float[] b = new float[cout];
        for (int i = 0; i < cout; i++) b[i] = (float) (r.nextGaussian() * 0.1);
        return new Op.Conv2d(name, in, out, cin, cout, k, k, k / 2, k / 2, k / 2, k / 2, 1, w, b);
    }

    /** An image-like input: smooth gradients plus noise, 0..255. */
    public static adabm.tensor.Tensor image(int h, int w, long seed) {
        Random r = new Random(seed);
        adabm.tensor.Tensor t = new adabm.tensor.Tensor(1, 3, h, w);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    t.data[t.index(0, c, y, x)] = (float) Math.min(255, Math.max(0, 128 + 60 * Math.sin((x + 3 * c) * 0.2) + 40 * Math.cos(y * 0.13) + r.nextGaussian() * 10));
        return t;
    }
}
