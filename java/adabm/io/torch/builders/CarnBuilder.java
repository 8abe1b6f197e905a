package adabm.io.torch.builders;

import adabm.graph.Graph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * CARN and CARN-M from the official nmhkahn/CARN-pytorch state_dicts. Both cascade three blocks b1..b3, each
 * cascading three residual units with concatenation and 1x1 fusions (bK.cR), with an outer cascade c1..c3.
 * CARN has three distinct residual blocks per cascade (bK.b1..b3: conv, ReLU, conv, + input, ReLU); CARN-M applies
 * one efficient block bK.b1 (group conv, ReLU, group conv, ReLU, 1x1, + input, ReLU) three times, so its nodes
 * bK.b1#1..#3 share one set of weight arrays. The official model works on 0..1: the input is scaled by 1/255 in
 * the sub_mean Affine and the output by 255 in the add_mean Affine, so the graph takes and gives 0..255.
 */
public final class CarnBuilder {
    private CarnBuilder() { }

    private static final int CASCADE = 3;

    public static boolean matches(Map<String, ?> keys) {
        return keys.containsKey("entry.weight") && keys.containsKey("exit.weight") && keys.containsKey("b1.b1.body.0.weight");
    }

    public static Graph build(StateDict sd, OptionalInt requestedScale) {
        boolean mobile = !sd.has("b1.b2.body.0.weight");
        GraphBuilder g = new GraphBuilder();
        int colors = sd.tensor("entry.weight", -1, -1, -1, -1).dim(1);
        String x = GraphBuilder.INPUT;
        if (MeanShift.present(sd, "sub_mean.shifter")) x = MeanShift.apply(g, sd, "sub_mean.shifter", "sub_mean", x, colors, 1f / 255f, 1f);
        else x = g.affine("sub_mean", x, new float[] {1f / 255f}, new float[] {0f});
        StateDict.Conv entry = sd.conv("entry", colors, -1);
        int f = entry.cout();
        String entryOut = g.conv("entry", x, entry);

        // outer cascade: the same pattern as inside a block, with blocks bK in place of residual units
        String concat = entryOut, out = entryOut;
        for (int k = 1; k <= CASCADE; k++) {
            String blockOut = cascadingBlock(g, sd, "b" + k, out, f, mobile);
            concat = g.concat("cat" + k, List.of(concat, blockOut));
            out = fusion(g, sd, "c" + k, concat, (k + 1) * f, f);
        }

        String up = upsamplerPrefix(sd, requestedScale);
        int scale = 1;
        for (int j = 0; j == 0 || sd.has(up + ".body." + j + ".weight"); j += 3) {
            StateDict.Conv c = sd.groupedConv(up + ".body." + j, f, -1);
            int r = Upsampling.factor(sd, c, f);
            out = g.shuffle(up + ".body." + (j + 2), g.relu(up + ".body." + (j + 1), g.conv(up + ".body." + j, out, c)), r);
            scale *= r;
        }
        Upsampling.checkRequested(sd, requestedScale, scale);
        out = g.conv("exit", out, sd.conv("exit", f, colors));
        if (MeanShift.present(sd, "add_mean.shifter")) out = MeanShift.apply(g, sd, "add_mean.shifter", "add_mean", out, colors, 1f, 255f);
        else out = g.affine("add_mean", out, new float[] {255f}, new float[] {0f});
        return g.build(mobile ? "carn_m" : "carn", colors, out, Map.of("family", "CARN", "variant", mobile ? "CARN-M" : "CARN",
                "scale", Integer.toString(scale), "layout", "CARN-pytorch", "source", sd.source()));
    }

    /** bK: three residual units, each followed by concatenation with everything before and a 1x1 fusion. */
    private static String cascadingBlock(GraphBuilder g, StateDict sd, String p, String in, int f, boolean mobile) {
        String concat = in, out = in;
        for (int r = 1; r <= CASCADE; r++) {
            String unit = mobile ? efficientResidual(g, sd, p + ".b1", p + ".b1#" + r, out, f) : residual(g, sd, p + ".b" + r, out, f);
            concat = g.concat(p + ".cat" + r, List.of(concat, unit));
            out = fusion(g, sd, p + ".c" + r, concat, (r + 1) * f, f);
        }
        return out;
    }

    /** ops.ResidualBlock: relu(conv(relu(conv(x))) + x). */
    private static String residual(GraphBuilder g, StateDict sd, String p, String in, int f) {
        String x = g.conv(p + ".body.0", in, sd.conv(p + ".body.0", f, f));
        x = g.conv(p + ".body.2", g.relu(p + ".body.1", x), sd.conv(p + ".body.2", f, f));
        return g.relu(p + ".relu", g.add(p + ".add", x, in));
    }

    /** ops.EResidualBlock: relu(conv1x1(relu(gconv(relu(gconv(x))))) + x); weights from {@code key}, nodes named {@code node}. */
    private static String efficientResidual(GraphBuilder g, StateDict sd, String key, String node, String in, int f) {
        String x = g.conv(node + ".body.0", in, sd.groupedConv(key + ".body.0", f, f));
        x = g.conv(node + ".body.2", g.relu(node + ".body.1", x), sd.groupedConv(key + ".body.2", f, f));
        x = g.conv(node + ".body.4", g.relu(node + ".body.3", x), sd.conv(key + ".body.4", f, f));
        return g.relu(node + ".relu", g.add(node + ".add", x, in));
    }

    /** ops.BasicBlock: 1x1 conv + ReLU. */
    private static String fusion(GraphBuilder g, StateDict sd, String p, String in, int cin, int f) {
        return g.relu(p + ".body.1", g.conv(p + ".body.0", in, sd.conv(p + ".body.0", cin, f)));
    }

    /** upsample.up (single-scale) or upsample.up{2,3,4} (multi-scale: the requested one, or the only one stored). */
    private static String upsamplerPrefix(StateDict sd, OptionalInt requested) {
        if (sd.has("upsample.up.body.0.weight")) return "upsample.up";
        TreeSet<Integer> stored = new TreeSet<>();
        for (int s = 2; s <= 8; s++) if (sd.has("upsample.up" + s + ".body.0.weight")) stored.add(s);
        if (stored.isEmpty()) throw sd.error("missing upsampler: no 'upsample.up.body.0.weight' or 'upsample.up{2,3,4}.body.0.weight'");
        List<String> names = new ArrayList<>();
        for (int s : stored) names.add("x" + s);
        if (requested.isPresent()) {
            if (!stored.contains(requested.getAsInt()))
                throw sd.error("no x" + requested.getAsInt() + " upsampler; the checkpoint has " + names);
            return "upsample.up" + requested.getAsInt();
        }
        if (stored.size() > 1) throw sd.error("multi-scale checkpoint with upsamplers " + names + ": choose a scale");
        return "upsample.up" + stored.first();
    }
}
