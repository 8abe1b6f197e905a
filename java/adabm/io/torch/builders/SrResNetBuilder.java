package adabm.io.torch.builders;

import adabm.graph.BatchNorm;

import adabm.graph.Graph;
import java.util.Map;
import java.util.OptionalInt;

/**
 * SRResNet in AdaBM's layout: head.0 (9x9) → head.1 PReLU → n blocks {conv1, bn1, act PReLU, conv2, bn2, + input}
 * → body.n conv → body.n+1 BN (+ head output) → tail.0.{0,3,..} conv + PixelShuffle + PReLU → tail.1 (9x9).
 * Batch norms are folded into the preceding convs, so the conv nodes (body.i.conv1, ...) carry the BN.
 * Input and output are 0..255 with no mean shift; conv biases are used where present.
 */
public final class SrResNetBuilder {
    private SrResNetBuilder() { }

    public static boolean matches(Map<String, ?> keys) {
        return keys.containsKey("head.0.weight") && keys.containsKey("head.1.weight") && keys.containsKey("body.0.bn1.running_mean")
                && keys.containsKey("tail.1.weight");
    }

    public static Graph build(StateDict sd, OptionalInt requestedScale) {
        GraphBuilder g = new GraphBuilder();
        int colors = sd.tensor("head.0.weight", -1, -1, -1, -1).dim(1);
        StateDict.Conv head = sd.convOptionalBias("head.0", colors, -1);
        int f = head.cout();
        String headOut = g.prelu("head.1", g.conv("head.0", GraphBuilder.INPUT, head), slopes(sd, "head.1", f));

        int blocks = sd.count("body.%d.conv1.weight");
        if (!sd.has("body." + blocks + ".weight")) sd.checkNoGap("body." + blocks + ".", "body." + blocks + ".conv1.weight");
        String x = headOut;
        for (int i = 0; i < blocks; i++) {
            String p = "body." + i;
            String in = x;
            x = batchNorm(g, sd, p + ".bn1", g.conv(p + ".conv1", x, sd.convOptionalBias(p + ".conv1", f, f)), f);
            x = g.prelu(p + ".act", x, slopes(sd, p + ".act", f));
            x = batchNorm(g, sd, p + ".bn2", g.conv(p + ".conv2", x, sd.convOptionalBias(p + ".conv2", f, f)), f);
            x = g.add(p + ".add", x, in);
        }
        String last = "body." + blocks;
        x = batchNorm(g, sd, "body." + (blocks + 1), g.conv(last, x, sd.convOptionalBias(last, f, f)), f);
        x = g.add("body.skip", x, headOut);

        int scale = 1;
        for (int j = 0; j == 0 || sd.has("tail.0." + j + ".weight"); j += 3) {
            StateDict.Conv up = sd.convOptionalBias("tail.0." + j, f, -1);
            int r = Upsampling.factor(sd, up, f);
            x = g.shuffle("tail.0." + (j + 1), g.conv("tail.0." + j, x, up), r);
            x = g.prelu("tail.0." + (j + 2), x, slopes(sd, "tail.0." + (j + 2), f));
            scale *= r;
        }
        Upsampling.checkRequested(sd, requestedScale, scale);
        x = g.conv("tail.1", x, sd.convOptionalBias("tail.1", f, colors));
        return g.build("srresnet", colors, x, Map.of("family", "SRResNet", "scale", Integer.toString(scale), "layout", "AdaBM",
                "source", sd.source(), "blocks", Integer.toString(blocks), "features", Integer.toString(f)));
    }

    /** nn.PReLU() has one shared slope, nn.PReLU(C) one per channel. */
    private static float[] slopes(StateDict sd, String prefix, int channels) {
        float[] s = sd.tensor(prefix + ".weight", -1).data();
        if (s.length != 1 && s.length != channels)
            throw sd.error("tensor '" + prefix + ".weight' has " + s.length + " PReLU slopes, expected 1 or " + channels);
        return s;
    }

    /** PyTorch's BatchNorm2d eps: a module attribute, not part of the state_dict. */
    static final double BN_EPS = 1e-5;

    /** Appends BatchNorm2d {@code bn} (its weight/bias/running_mean/running_var, n channels) reading {@code input}. */
    private static String batchNorm(GraphBuilder g, StateDict sd, String bn, String input, int n) {
        var a = BatchNorm.asAffine(bn, input, bn, sd.vector(bn + ".weight", n), sd.vector(bn + ".bias", n),
                sd.vector(bn + ".running_mean", n), sd.vector(bn + ".running_var", n), BN_EPS);
        return g.affine(bn, input, a.scale(), a.shift());
    }
}
