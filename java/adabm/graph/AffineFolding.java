package adabm.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds a per-channel affine map (an imported batch norm, or a constant per-channel Mul/Add) into the conv that
 * feeds it: weights of output channel o times scale[o], bias*scale[o] + shift[o], arithmetic in float64 rounded once.
 * Float plans run the folded graph (one op fewer per pair). The imported graph keeps the pairs apart because a
 * quantized conv quantizes its own weights and batch norm stays float32 (ADABM.md §1): folding first would put
 * the batch norm's per-channel scales into one per-tensor weight range.
 */
public final class AffineFolding {
    private AffineFolding() { }

    /** The graph with every foldable conv -> affine pair merged (the conv output read only by the affine); g if none. */
    public static Graph intoConvs(Graph g) {
        Map<String, Integer> readers = new HashMap<>();
        for (Op op : g.ops()) for (String in : op.inputs()) readers.merge(in, 1, Integer::sum);
        Map<String, Op.Conv2d> convByOutput = new HashMap<>();
        for (Op op : g.ops()) if (op instanceof Op.Conv2d c) convByOutput.put(c.output(), c);

        Map<String, Op.Conv2d> foldedByConvOutput = new HashMap<>();
        for (Op op : g.ops()) {
            if (!(op instanceof Op.Affine a)) continue;
            Op.Conv2d conv = convByOutput.get(a.input());
            if (conv != null && readers.get(a.input()) == 1 && !a.input().equals(g.output()) && a.scale().length == conv.outChannels())
                foldedByConvOutput.put(conv.output(), fold(conv, a));
        }
        if (foldedByConvOutput.isEmpty()) return g;

        List<Op> ops = new ArrayList<>();
        for (Op op : g.ops()) {
            if (op instanceof Op.Conv2d c && foldedByConvOutput.containsKey(c.output())) ops.add(foldedByConvOutput.get(c.output()));
            else if (!(op instanceof Op.Affine a && foldedByConvOutput.containsKey(a.input()))) ops.add(op);
        }
        return new Graph(g.name(), g.input(), g.inputChannels(), ops, g.output(), g.metadata());
    }

    /** The conv followed by the affine map, as one conv named like the conv and writing the affine's output. */
    static Op.Conv2d fold(Op.Conv2d conv, Op.Affine a) {
        float[] w = conv.weight();
        int perOut = w.length / conv.outChannels();
        float[] fw = new float[w.length];   // new arrays: the conv's weight may be shared
        float[] fb = new float[conv.outChannels()];
        for (int o = 0; o < conv.outChannels(); o++) {
            double s = a.scale()[o];
            for (int i = o * perOut; i < (o + 1) * perOut; i++) fw[i] = (float) (w[i] * s);
            fb[o] = (float) (conv.bias()[o] * s + a.shift()[o]);
        }
        return new Op.Conv2d(conv.name(), conv.input(), a.output(), conv.inChannels(), conv.outChannels(), conv.kernelH(), conv.kernelW(),
                conv.padTop(), conv.padLeft(), conv.padBottom(), conv.padRight(), conv.groups(), fw, fb);
    }
}
