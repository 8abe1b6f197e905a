package adabm.io.torch.builders;

import adabm.graph.Graph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * RDN from an EDSR-PyTorch state_dict (SFENet1/2, RDBs.d.convs.c.conv.0, RDBs.d.LFF, GFF.0/1, UPNet.*). G0, D, C and
 * G are read from the shapes and key counts. Nodes take the Keras names of the RDN ONNX file (F_m1, F_0, F_d_c,
 * LFF_d, GFF_1/2, UPN1.., SR) so the same layer roles apply. No mean shift: EDSR-PyTorch's RDN has none.
 */
public final class RdnBuilder {
    private RdnBuilder() { }

    public static boolean matches(Map<String, ?> keys) {
        return keys.containsKey("SFENet1.weight") && keys.containsKey("RDBs.0.LFF.weight");
    }

    public static Graph build(StateDict sd, OptionalInt requestedScale) {
        GraphBuilder g = new GraphBuilder();
        int colors = sd.tensor("SFENet1.weight", -1, -1, -1, -1).dim(1);
        StateDict.Conv sfe1 = sd.conv("SFENet1", colors, -1);
        int g0 = sfe1.cout();
        int d = sd.count("RDBs.%d.LFF.weight");
        int c = sd.count("RDBs.0.convs.%d.conv.0.weight");
        if (c == 0) throw sd.error("missing tensor 'RDBs.0.convs.0.conv.0.weight'");
        sd.checkNoGap("RDBs." + d + ".", "RDBs." + d + ".LFF.weight");
        for (int i = 0; i < d; i++) sd.checkNoGap("RDBs." + i + ".convs." + c + ".", "RDBs." + i + ".convs." + c + ".conv.0.weight");
        int growth = sd.tensor("RDBs.0.convs.0.conv.0.weight", -1, g0, -1, -1).dim(0);

        String fm1 = g.conv("F_m1", GraphBuilder.INPUT, sfe1);
        String x = g.conv("F_0", fm1, sd.conv("SFENet2", g0, g0));
        List<String> blockOutputs = new ArrayList<>();
        for (int i = 1; i <= d; i++) {
            String in = x;
            String cat = in;
            for (int j = 1; j <= c; j++) {
                String conv = g.conv("F_" + i + "_" + j, cat, sd.conv("RDBs." + (i - 1) + ".convs." + (j - 1) + ".conv.0", g0 + (j - 1) * growth, growth));
                cat = g.concat("RDB_Concat_" + i + "_" + j, List.of(cat, g.relu("F_" + i + "_" + j + "_Relu", conv)));
            }
            String lff = g.conv("LFF_" + i, cat, sd.conv("RDBs." + (i - 1) + ".LFF", g0 + c * growth, g0));
            x = g.add("LRL_" + i, lff, in);
            blockOutputs.add(x);
        }
        x = g.concat("LRLs_Concat", blockOutputs);
        x = g.conv("GFF_1", x, sd.conv("GFF.0", d * g0, g0));
        x = g.conv("GFF_2", x, sd.conv("GFF.1", g0, g0));
        x = g.add("FDF", x, fm1);

        // UPNet: (conv, PixelShuffle) once (x2, x3) or twice (x4), then the output conv
        int ups = sd.has("UPNet.0.weight") ? countUpsamplers(sd) : 0;
        if (ups == 0) throw sd.error("missing upsampler tensors 'UPNet.0.weight' and 'UPNet.2.weight'");
        int scale = 1, width = g0;
        for (int u = 0; u < ups; u++) {
            StateDict.Conv up = sd.conv("UPNet." + 2 * u, width, -1);
            int r = Upsampling.factor(sd, up, growth);
            x = g.shuffle("UPN" + (u + 1) + "_Shuffle", g.conv("UPN" + (u + 1), x, up), r);
            scale *= r;
            width = growth;
        }
        Upsampling.checkRequested(sd, requestedScale, scale);
        x = g.conv("SR", x, sd.conv("UPNet." + 2 * ups, growth, colors));
        return g.build("rdn", colors, x, Map.of("family", "RDN", "scale", Integer.toString(scale), "layout", "EDSR-PyTorch",
                "source", sd.source(), "config", "G0=" + g0 + " D=" + d + " C=" + c + " G=" + growth));
    }

    /** Upsampler convs are UPNet.0, .2, ...; the last even index present is the output conv. */
    private static int countUpsamplers(StateDict sd) {
        int last = 0;
        while (sd.has("UPNet." + (last + 2) + ".weight")) last += 2;
        return last / 2;
    }
}
