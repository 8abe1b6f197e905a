package adabm.io.torch.builders;

import adabm.ModelFormatException;
import adabm.io.torch.TorchTensor;
import java.util.Arrays;
import java.util.Map;

/**
 * Typed access to a state_dict for one family's builder: every missing key, wrong shape or integer tensor is a
 * {@link ModelFormatException} naming the checkpoint, the layout being built, the key and both shapes.
 */
public final class StateDict {
    private final String source;
    private final String layout;
    private final Map<String, TorchTensor> tensors;

    public StateDict(String source, String layout, Map<String, TorchTensor> tensors) {
        this.source = source;
        this.layout = layout;
        this.tensors = tensors;
    }

    public String source() { return source; }

    public boolean has(String key) { return tensors.containsKey(key); }

    /** Number of consecutive indices i = 0, 1, ... for which {@code String.format(pattern, i)} is a key. */
    public int count(String pattern) {
        int i = 0;
        while (has(String.format(pattern, i))) i++;
        return i;
    }

    /**
     * After counting repeated modules up to index n: if keys of module n still exist, one of its tensors is missing
     * (the count stopped at a gap), so report that key instead of a confusing shape error further on.
     */
    public void checkNoGap(String modulePrefix, String countedKey) {
        if (has(countedKey)) return;
        for (String k : tensors.keySet())
            if (k.startsWith(modulePrefix)) throw error("missing tensor '" + countedKey + "' (other tensors of " + modulePrefix + "* exist, e.g. '" + k + "')");
    }

    /** The tensor under key, which must have the given shape (-1 = any size in that dimension). */
    public TorchTensor tensor(String key, int... shape) {
        TorchTensor t = tensors.get(key);
        if (t == null) throw error("missing tensor '" + key + "'" + (shape.length > 0 ? " of shape " + shapeString(shape) : ""));
        if (!t.isFloatingPoint()) throw error("tensor '" + key + "' has integer type " + t.dtype() + ", a float weight is needed");
        boolean ok = t.rank() == shape.length;
        for (int i = 0; ok && i < shape.length; i++) ok = shape[i] < 0 || shape[i] == t.dim(i);
        if (!ok) throw error("tensor '" + key + "' has shape " + t.shapeString() + ", expected " + shapeString(shape));
        return t;
    }

    public float[] vector(String key, int length) { return tensor(key, length).data(); }

    public ModelFormatException error(String what) {
        return new ModelFormatException("checkpoint " + source + " (" + layout + " layout): " + what);
    }

    /** A conv's parameters; groups = cin / weight.shape[1]. */
    public record Conv(String key, float[] weight, float[] bias, int cin, int cout, int k, int groups) { }

    /** An ungrouped conv with bias: {@code prefix.weight} [cout, cin, k, k] (square odd kernel; cout < 0 = any), {@code prefix.bias}. */
    public Conv conv(String prefix, int cin, int cout) {
        return read(prefix, cin, cout, false, true);
    }

    /** An ungrouped conv whose bias may be absent (bias=False convs, as in SRResNet); absent means zero. */
    public Conv convOptionalBias(String prefix, int cin, int cout) {
        return read(prefix, cin, cout, false, false);
    }

    /** A conv with bias that may be grouped (CARN-M): {@code prefix.weight} [cout, cin/groups, k, k]. */
    public Conv groupedConv(String prefix, int cin, int cout) {
        return read(prefix, cin, cout, true, true);
    }

    private Conv read(String prefix, int cin, int cout, boolean grouped, boolean biasRequired) {
        String wkey = prefix + ".weight";
        TorchTensor w = tensor(wkey, cout, grouped ? -1 : cin, -1, -1);
        int inPerGroup = w.dim(1), k = w.dim(2), out = w.dim(0);
        if (cin <= 0 || out <= 0 || inPerGroup <= 0)
            throw error("tensor '" + wkey + "' has shape " + w.shapeString() + " for " + cin + " input channels: empty conv");
        if (w.dim(3) != k || k % 2 == 0)
            throw error("tensor '" + wkey + "' has shape " + w.shapeString() + ", expected a square odd kernel");
        if (inPerGroup <= 0 || cin % inPerGroup != 0 || out % (cin / inPerGroup) != 0)
            throw error("tensor '" + wkey + "' has shape " + w.shapeString() + ", expected [" + (cout < 0 ? "*" : cout) + "," + cin
                    + "/groups,k,k] for " + cin + " input channels");
        float[] bias = biasRequired || has(prefix + ".bias") ? vector(prefix + ".bias", out) : new float[out];
        return new Conv(prefix, w.data(), bias, cin, out, k, cin / inPerGroup);
    }

    private static String shapeString(int[] shape) {
        String[] s = new String[shape.length];
        for (int i = 0; i < shape.length; i++) s[i] = shape[i] < 0 ? "*" : Integer.toString(shape[i]);
        return Arrays.toString(s).replace(" ", "");
    }
}
