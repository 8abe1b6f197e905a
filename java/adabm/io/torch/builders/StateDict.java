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

    /** An ungrouped conv: {@code prefix.weight} [cout, cin, k, k] (square odd kernel; cout < 0 = any) and the optional bias. */
    public Conv conv(String prefix, int cin, int cout) {
        return read(prefix, cin, cout, false);
    }

    /** A conv that may be grouped (CARN-M): {@code prefix.weight} [cout, cin/groups, k, k]. */
    public Conv groupedConv(String prefix, int cin, int cout) {
        return read(prefix, cin, cout, true);
    }

    private Conv read(String prefix, int cin, int cout, boolean grouped) {
        String wkey = prefix + ".weight";
        TorchTensor w = tensor(wkey, cout, grouped ? -1 : cin, -1, -1);
        int inPerGroup = w.dim(1), k = w.dim(2), out = w.dim(0);
        if (w.dim(3) != k || k % 2 == 0)
            throw error("tensor '" + wkey + "' has shape " + w.shapeString() + ", expected a square odd kernel");
        if (inPerGroup <= 0 || cin % inPerGroup != 0 || out % (cin / inPerGroup) != 0)
            throw error("tensor '" + wkey + "' has shape " + w.shapeString() + ", expected [" + (cout < 0 ? "*" : cout) + "," + cin
                    + "/groups,k,k] for " + cin + " input channels");
        float[] bias = has(prefix + ".bias") ? vector(prefix + ".bias", out) : new float[out];
        return new Conv(prefix, w.data(), bias, cin, out, k, cin / inPerGroup);
    }

    /** Requires the bias of a conv whose upstream definition always has one. */
    public Conv convWithBias(String prefix, int cin, int cout) {
        if (!has(prefix + ".bias")) throw error("missing tensor '" + prefix + ".bias'");
        return conv(prefix, cin, cout);
    }

    private static String shapeString(int[] shape) {
        String[] s = new String[shape.length];
        for (int i = 0; i < shape.length; i++) s[i] = shape[i] < 0 ? "*" : Integer.toString(shape[i]);
        return Arrays.toString(s).replace(" ", "");
    }
}
