package adabm.io.torch.builders;

import adabm.graph.Graph;
import java.util.Map;
import java.util.OptionalInt;

/**
 * EDSR from an EDSR-PyTorch state_dict ({@code body.i.body.0/2}) or AdaBM's renamed one ({@code body.i.conv1/conv2}):
 * sub_mean → head.0 → n residual blocks (conv, ReLU, conv, + input; res_scale 1) → body.n (+ head) →
 * pixel-shuffle upsampler tail.0.* → tail.1 → add_mean. Widths, block count and scale come from the tensors.
 * res_scale is not stored in a state_dict; 1 is what EDSR-baseline and AdaBM's EDSR use.
 */
public final class EdsrBuilder {
    private EdsrBuilder() { }

    public static boolean matches(Map<String, ?> keys) {
        return keys.containsKey("head.0.weight") && keys.containsKey("tail.1.weight") && keys.containsKey("tail.0.0.weight")
                && (keys.containsKey("body.0.body.0.weight") || keys.containsKey("body.0.conv1.weight"));
    }

    public static Graph build(StateDict sd, OptionalInt requestedScale) {
        GraphBuilder g = new GraphBuilder();
        int colors = sd.tensor("head.0.weight", -1, -1, -1, -1).dim(1);
        String x = GraphBuilder.INPUT;
        if (MeanShift.present(sd, "sub_mean")) x = MeanShift.apply(g, sd, "sub_mean", "sub_mean", x, colors, 1f, 1f);
        StateDict.Conv head = sd.conv("head.0", colors, -1);
        int f = head.cout();
        String headOut = g.conv("head.0", x, head);

        boolean adabm = sd.has("body.0.conv1.weight");
        int blocks = sd.count(adabm ? "body.%d.conv1.weight" : "body.%d.body.0.weight");
        if (!sd.has("body." + blocks + ".weight"))
            sd.checkNoGap("body." + blocks + ".", "body." + blocks + (adabm ? ".conv1.weight" : ".body.0.weight"));
        x = headOut;
        for (int i = 0; i < blocks; i++) {
            String p = "body." + i;
            String in = x;
            x = g.conv(p + ".conv1", x, sd.conv(adabm ? p + ".conv1" : p + ".body.0", f, f));
            x = g.relu(p + ".relu", x);
            x = g.conv(p + ".conv2", x, sd.conv(adabm ? p + ".conv2" : p + ".body.2", f, f));
            x = g.add(p + ".add", x, in);
        }
        String last = "body." + blocks;
        x = g.conv(last, x, sd.conv(last, f, f));
        x = g.add("body.skip", x, headOut);

        int scale = 1;
        for (int j = 0; j == 0 || sd.has("tail.0." + j + ".weight"); j += 2) {
            StateDict.Conv up = sd.conv("tail.0." + j, f, -1);
            int r = Upsampling.factor(sd, up, f);
            x = g.shuffle("tail.0." + (j + 1), g.conv("tail.0." + j, x, up), r);
            scale *= r;
        }
        Upsampling.checkRequested(sd, requestedScale, scale);
        x = g.conv("tail.1", x, sd.conv("tail.1", f, colors));
        if (MeanShift.present(sd, "add_mean")) x = MeanShift.apply(g, sd, "add_mean", "add_mean", x, colors, 1f, 1f);
        return g.build("edsr", colors, x, Map.of("family", "EDSR", "scale", Integer.toString(scale),
                "layout", adabm ? "AdaBM" : "EDSR-PyTorch", "source", sd.source(),
                "blocks", Integer.toString(blocks), "features", Integer.toString(f)));
    }
}
