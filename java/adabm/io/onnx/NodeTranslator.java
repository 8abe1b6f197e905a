package adabm.io.onnx;

import adabm.ModelFormatException;
import adabm.UnsupportedOpException;
import adabm.graph.BatchNorm;
import adabm.graph.Op;
import adabm.io.onnx.proto.OnnxProto.NodeProto;
import java.util.*;

/**
 * Turns the ONNX nodes, in file order, into IR ops. Activations flow by tensor name; parameters must be
 * initializers. Identity nodes become name aliases; a batch norm becomes an {@link Op.Affine} (never folded here:
 * see {@link adabm.graph.AffineFolding}).
 */
final class NodeTranslator {
    /** Bounds on integer attributes, far above any real SR model, so later size arithmetic cannot overflow. */
    static final int MAX_PAD = 1 << 12, MAX_FACTOR = 64, MAX_GROUPS = 1 << 16, MAX_CHANNELS = 1 << 20;

    private final String file;
    private final Initializers inits;
    private final Map<String, String> alias = new HashMap<>();
    private final Set<String> activations = new HashSet<>();
    private final Set<String> nodeNames = new HashSet<>();
    private final List<Op> ops = new ArrayList<>();

    NodeTranslator(String file, Initializers inits, String graphInput) {
        this.file = file;
        this.inits = inits;
        this.activations.add(graphInput);
    }

    List<Op> ops() { return ops; }

    /** The tensor a name stands for once Identity aliases are followed. */
    String resolve(String name) { return alias.getOrDefault(name, name); }

    boolean isActivation(String name) { return activations.contains(resolve(name)); }

    void translate(NodeProto node) {
        String name = node.getName().isEmpty() ? (node.getOutputCount() > 0 ? node.getOutput(0) : "") : node.getName();
        String where = file + ": node '" + name + "' (" + node.getOpType() + ")";
        if (name.isEmpty()) throw new ModelFormatException(where + ": node has neither a name nor an output");
        if (!nodeNames.add(name)) throw new ModelFormatException(where + ": node name is used twice");
        if (!node.getDomain().isEmpty() && !node.getDomain().equals("ai.onnx"))
            throw new UnsupportedOpException(where + ": operator domain '" + node.getDomain() + "' is not supported (only the default ONNX domain)");
        String out = singleOutput(node, where);
        NodeContext n = new NodeContext(node, name, where, out);
        switch (node.getOpType()) {
            case "Conv" -> add(conv(n));
            case "Relu" -> { n.arity(1, 1); n.attributes(); add(new Op.Relu(name, n.act(0), out)); }
            case "LeakyRelu" -> { n.arity(1, 1); add(new Op.LeakyRelu(name, n.act(0), out, n.attributes("alpha").getFloat("alpha", 0.01f))); }
            case "PRelu" -> add(prelu(n));
            case "Add", "Sub", "Mul", "Div" -> add(binary(n));
            case "Concat" -> add(concat(n));
            case "DepthToSpace" -> add(depthToSpace(n));
            case "Pad" -> add(pad(n));
            case "Resize" -> add(resize(n));
            case "Upsample" -> add(upsample(n));
            case "BatchNormalization" -> batchNorm(n);
            case "Identity" -> identity(n);
            default -> throw new UnsupportedOpException(where + ": operator '" + node.getOpType() + "' is not supported");
        }
    }

    private String singleOutput(NodeProto node, String where) {
        if (node.getOutputCount() == 0 || node.getOutput(0).isEmpty()) throw new ModelFormatException(where + ": node has no output");
        for (int i = 1; i < node.getOutputCount(); i++)
            if (!node.getOutput(i).isEmpty())
                throw new UnsupportedOpException(where + ": output " + i + " ('" + node.getOutput(i) + "') is requested; only the first output is supported");
        String out = node.getOutput(0);
        if (activations.contains(out) || alias.containsKey(out) || inits.contains(out))
            throw new ModelFormatException(where + ": output '" + out + "' is already defined by the graph input, an initializer or an earlier node");
        return out;
    }

    private void add(Op op) {
        ops.add(op);
        activations.add(op.output());
    }

    // ---- ops ----

    private Op conv(NodeContext n) {
        n.arity(2, 3);
        Attributes a = n.attributes("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
        String x = n.act(0);
        String wName = n.param(1, "weight");
        long[] wd = inits.dims(wName);
        if (wd.length != 4)
            throw new UnsupportedOpException(n.where + ": weight '" + wName + "' has " + wd.length + " dims, expected 4 (only 2-D convolution is supported)");
        int cout = n.dim(wName, wd, 0, MAX_CHANNELS), inPerGroup = n.dim(wName, wd, 1, MAX_CHANNELS);
        int kh = n.dim(wName, wd, 2, MAX_PAD), kw = n.dim(wName, wd, 3, MAX_PAD);
        int groups = a.getInt("group", 1, 1, MAX_GROUPS);
        if (cout % groups != 0)
            throw new ModelFormatException(n.where + ": weight '" + wName + "' has " + cout + " output channels, not divisible by group " + groups);
        if ((long) inPerGroup * groups > MAX_CHANNELS)
            throw new ModelFormatException(n.where + ": " + inPerGroup + " input channels per group x group " + groups + " is absurdly large");
        long[] kernel = a.getInts("kernel_shape");
        if (kernel != null && !Arrays.equals(kernel, new long[] {kh, kw}))
            throw new ModelFormatException(n.where + ": kernel_shape " + Arrays.toString(kernel) + " does not match weight '" + wName + "' dims " + Arrays.toString(wd));
        requireOnes(n, a, "strides");
        requireOnes(n, a, "dilations");
        int[] pads = convPads(n, a, kh, kw);
        float[] w = inits.floats(wName);
        float[] bias;
        if (n.present(2)) {
            String bName = n.param(2, "bias");
            long[] bd = inits.dims(bName);
            if (bd.length != 1 || bd[0] != cout)
                throw new ModelFormatException(n.where + ": bias '" + bName + "' has dims " + Arrays.toString(bd) + ", expected [" + cout + "]");
            bias = inits.floats(bName);
        } else {
            bias = new float[cout];
        }
        return new Op.Conv2d(n.name, x, n.out, inPerGroup * groups, cout, kh, kw, pads[0], pads[1], pads[2], pads[3], groups, w, bias);
    }

    private static void requireOnes(NodeContext n, Attributes a, String attr) {
        long[] v = a.getInts(attr);
        if (v == null) return;
        if (v.length != 2) throw new ModelFormatException(n.where + ": " + attr + " " + Arrays.toString(v) + " must have 2 entries for a 2-D conv");
        if (v[0] != 1 || v[1] != 1)
            throw new UnsupportedOpException(n.where + ": " + attr + " " + Arrays.toString(v) + " are not supported (only 1)");
    }

    /** [top, left, bottom, right] from pads or auto_pad (stride and dilation are 1, so SAME pads k-1 in total). */
    private static int[] convPads(NodeContext n, Attributes a, int kh, int kw) {
        String auto = a.getString("auto_pad", "NOTSET");
        long[] pads = a.getInts("pads");
        if (!auto.equals("NOTSET") && pads != null)
            throw new ModelFormatException(n.where + ": both auto_pad '" + auto + "' and pads are given");
        return switch (auto) {
            case "NOTSET" -> {
                if (pads == null) yield new int[4];
                if (pads.length != 4) throw new ModelFormatException(n.where + ": pads " + Arrays.toString(pads) + " must have 4 entries for a 2-D conv");
                int[] p = new int[4];
                for (int i = 0; i < 4; i++) {
                    if (pads[i] < 0 || pads[i] > MAX_PAD)
                        throw new UnsupportedOpException(n.where + ": pads " + Arrays.toString(pads) + " outside 0.." + MAX_PAD);
                    p[i] = (int) pads[i];
                }
                yield p;   // ONNX order x1_begin, x2_begin, x1_end, x2_end = top, left, bottom, right
            }
            case "VALID" -> new int[4];
            case "SAME_UPPER" -> new int[] {(kh - 1) / 2, (kw - 1) / 2, kh / 2, kw / 2};   // extra pixel at the end
            case "SAME_LOWER" -> new int[] {kh / 2, kw / 2, (kh - 1) / 2, (kw - 1) / 2};   // extra pixel at the start
            default -> throw new ModelFormatException(n.where + ": unknown auto_pad '" + auto + "'");
        };
    }

    private Op prelu(NodeContext n) {
        n.arity(2, 2);
        n.attributes();
        String x = n.act(0);
        String s = n.param(1, "slope");
        return new Op.PRelu(n.name, x, n.out, perChannel(n, s));
    }

    /**
     * The values of a constant that broadcasts per channel against an NCHW activation: right-aligned dims must be
     * [1,C,1,1] ([C,1,1], [1], scalar ...). A [C] vector would broadcast along the width in ONNX, so it is refused.
     */
    private float[] perChannel(NodeContext n, String constant) {
        long[] d = inits.dims(constant);
        long[] four = {1, 1, 1, 1};
        boolean fits = d.length <= 4;
        if (fits) System.arraycopy(d, 0, four, 4 - d.length, d.length);
        if (!fits || four[0] != 1 || four[2] != 1 || four[3] != 1 || four[1] < 1)
            throw new UnsupportedOpException(n.where + ": constant '" + constant + "' has dims " + Arrays.toString(d)
                    + ", which does not broadcast per channel (supported: [1,C,1,1], [C,1,1], [1] or a scalar)");
        return inits.floats(constant);
    }

    private Op binary(NodeContext n) {
        n.arity(2, 2);
        n.attributes();
        String type = n.node.getOpType();
        boolean c0 = n.isConstant(0), c1 = n.isConstant(1);
        if (!c0 && !c1) {
            String a = n.act(0), b = n.act(1);
            return switch (type) {
                case "Add" -> new Op.Add(n.name, a, b, n.out);
                case "Sub" -> new Op.Sub(n.name, a, b, n.out);
                default -> throw new UnsupportedOpException(n.where + ": " + type + " of two computed tensors is not supported (only with a constant)");
            };
        }
        if (c0 && c1) throw new UnsupportedOpException(n.where + ": both inputs are constants (constant folding is not supported)");
        String x = n.act(c0 ? 1 : 0);
        String cName = n.param(c0 ? 0 : 1, "constant");
        float[] v = perChannel(n, cName);
        float[] one = {1f}, zero = {0f};
        return switch (type) {
            case "Add" -> new Op.Affine(n.name, x, n.out, one, v);
            case "Sub" -> c0 ? new Op.Affine(n.name, x, n.out, new float[] {-1f}, v) : new Op.Affine(n.name, x, n.out, one, negate(v));
            case "Mul" -> new Op.Affine(n.name, x, n.out, v, zero);
            case "Div" -> {
                if (c0) throw new UnsupportedOpException(n.where + ": division of a constant by a tensor is not supported");
                float[] r = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    if (v[i] == 0f) throw new ModelFormatException(n.where + ": divisor '" + cName + "' has a zero at index " + i);
                    r[i] = 1f / v[i];
                }
                yield new Op.Affine(n.name, x, n.out, r, zero);
            }
            default -> throw new IllegalStateException(type);
        };
    }

    private static float[] negate(float[] v) {
        float[] r = new float[v.length];
        for (int i = 0; i < v.length; i++) r[i] = -v[i];
        return r;
    }

    private Op concat(NodeContext n) {
        n.arity(1, Integer.MAX_VALUE);
        Attributes a = n.attributes("axis");
        if (!a.has("axis")) throw new ModelFormatException(n.where + ": required attribute 'axis' is missing");
        long axis = a.getInt("axis", 1);
        if (axis != 1 && axis != -3) throw new UnsupportedOpException(n.where + ": concat along axis " + axis + " is not supported (only channels, axis 1)");
        List<String> ins = new ArrayList<>();
        for (int i = 0; i < n.node.getInputCount(); i++) ins.add(n.act(i));
        return new Op.Concat(n.name, ins, n.out);
    }

    private Op depthToSpace(NodeContext n) {
        n.arity(1, 1);
        Attributes a = n.attributes("blocksize", "mode");
        if (!a.has("blocksize")) throw new ModelFormatException(n.where + ": required attribute 'blocksize' is missing");
        int block = a.getInt("blocksize", 1, 1, MAX_FACTOR);
        String mode = a.getString("mode", "DCR");
        Op.ShuffleOrder order = switch (mode) {
            case "DCR" -> Op.ShuffleOrder.DCR;
            case "CRD" -> Op.ShuffleOrder.CRD;
            default -> throw new ModelFormatException(n.where + ": unknown mode '" + mode + "' (DCR or CRD)");
        };
        return new Op.DepthToSpace(n.name, n.act(0), n.out, block, order);
    }

    private Op pad(NodeContext n) {
        n.arity(1, 4);
        Attributes a = n.attributes("mode", "pads", "value");
        String x = n.act(0);
        String mode = a.getString("mode", "constant");
        Op.PadMode pm = switch (mode) {
            case "constant" -> Op.PadMode.CONSTANT;
            case "edge" -> Op.PadMode.EDGE;
            case "reflect", "wrap" -> throw new UnsupportedOpException(n.where + ": pad mode '" + mode + "' is not supported (constant or edge)");
            default -> throw new ModelFormatException(n.where + ": unknown pad mode '" + mode + "'");
        };
        if (n.present(3)) throw new UnsupportedOpException(n.where + ": the 'axes' input is not supported (give pads for all 4 axes)");
        long[] pads;
        if (n.present(1)) pads = inits.longs(n.param(1, "pads"));
        else if (a.has("pads")) pads = a.getInts("pads");
        else throw new ModelFormatException(n.where + ": no pads (neither a 'pads' input nor attribute)");
        if (pads == null || pads.length != 8)
            throw new UnsupportedOpException(n.where + ": pads " + Arrays.toString(pads) + " must have 8 entries (4-D NCHW input)");
        if (pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0)
            throw new UnsupportedOpException(n.where + ": pads " + Arrays.toString(pads) + " pad the batch or channel axis; only spatial padding is supported");
        for (long p : pads)
            if (p < 0 || p > MAX_PAD) throw new UnsupportedOpException(n.where + ": pads " + Arrays.toString(pads) + " outside 0.." + MAX_PAD + " (cropping is not supported)");
        float value = a.getFloat("value", 0f);
        if (n.present(2)) {
            String v = n.param(2, "constant_value");
            if (Initializers.elementCount(inits.dims(v)) != 1)
                throw new ModelFormatException(n.where + ": constant_value '" + v + "' must hold one value, dims " + Arrays.toString(inits.dims(v)));
            value = inits.floats(v)[0];
        }
        // ONNX pads: [n_begin, c_begin, h_begin, w_begin, n_end, c_end, h_end, w_end]
        return new Op.Pad(n.name, x, n.out, (int) pads[2], (int) pads[3], (int) pads[6], (int) pads[7], pm, value);
    }

    private Op resize(NodeContext n) {
        n.arity(1, 4);
        Attributes a = n.attributes("mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside",
                "extrapolation_value", "antialias", "keep_aspect_ratio_policy");
        String x = n.act(0);
        String mode = a.getString("mode", "nearest");
        if (!mode.equals("nearest")) throw new UnsupportedOpException(n.where + ": resize mode '" + mode + "' is not supported (only nearest)");
        if (n.present(3)) throw new UnsupportedOpException(n.where + ": resize by 'sizes' is not supported (give integer 'scales')");
        if (!n.present(2)) throw new ModelFormatException(n.where + ": no 'scales' input");
        int s = integerScale(n, inits.floats(n.param(2, "scales")), inits.dims(n.param(2, "scales")));
        String transform = a.getString("coordinate_transformation_mode", "half_pixel");
        String rounding = a.getString("nearest_mode", "round_prefer_floor");
        if (!NearestReplication.TRANSFORMS.contains(transform))
            throw new ModelFormatException(n.where + ": unknown coordinate_transformation_mode '" + transform + "'");
        if (!NearestReplication.ROUNDINGS.contains(rounding))
            throw new ModelFormatException(n.where + ": unknown nearest_mode '" + rounding + "'");
        if (!NearestReplication.isReplication(transform, rounding, s))
            throw new UnsupportedOpException(n.where + ": coordinate_transformation_mode '" + transform + "' with nearest_mode '" + rounding
                    + "' at scale " + s + " is not pixel replication; only replication is supported (e.g. asymmetric + floor)");
        return new Op.ResizeNearest(n.name, x, n.out, s);
    }

    /** Legacy Upsample (opset 7-9): nearest is defined as floor(y / scale), i.e. replication for integer scales. */
    private Op upsample(NodeContext n) {
        n.arity(1, 2);
        Attributes a = n.attributes("mode", "scales");
        String x = n.act(0);
        String mode = a.getString("mode", "nearest");
        if (!mode.equals("nearest")) throw new UnsupportedOpException(n.where + ": upsample mode '" + mode + "' is not supported (only nearest)");
        float[] scales;
        long[] dims;
        if (n.present(1)) { String sName = n.param(1, "scales"); scales = inits.floats(sName); dims = inits.dims(sName); }
        else if (a.has("scales")) { scales = a.getFloats("scales"); dims = new long[] {scales == null ? 0 : scales.length}; }
        else throw new ModelFormatException(n.where + ": no scales (neither input nor attribute)");
        return new Op.ResizeNearest(n.name, x, n.out, integerScale(n, scales == null ? new float[0] : scales, dims));
    }

    private static int integerScale(NodeContext n, float[] scales, long[] dims) {
        if (dims.length != 1 || scales.length != 4)
            throw new UnsupportedOpException(n.where + ": scales with dims " + Arrays.toString(dims) + " given; expected 4 values [1,1,s,s]");
        float s = scales[2];
        if (scales[0] != 1f || scales[1] != 1f || scales[3] != s || s != Math.rint(s) || s < 1 || s > MAX_FACTOR)
            throw new UnsupportedOpException(n.where + ": scales " + Arrays.toString(scales) + " are not [1,1,s,s] with an integer s in 1.." + MAX_FACTOR);
        return (int) s;
    }

    private void batchNorm(NodeContext n) {
        n.arity(5, 5);
        Attributes a = n.attributes("epsilon", "momentum", "training_mode", "spatial");
        if (a.getInt("training_mode", 0) != 0) throw new UnsupportedOpException(n.where + ": training_mode=1 is not supported (inference only)");
        if (a.getInt("spatial", 1) != 1) throw new UnsupportedOpException(n.where + ": spatial=0 is not supported");
        double eps = a.getFloat("epsilon", 1e-5f);
        String x = n.act(0);
        String[] roles = {"scale", "B", "input_mean", "input_var"};
        float[][] p = new float[4][];
        int channels = -1;
        for (int i = 0; i < 4; i++) {
            String pName = n.param(i + 1, roles[i]);
            long[] d = inits.dims(pName);
            if (d.length != 1 || d[0] < 1 || (channels >= 0 && d[0] != channels))
                throw new ModelFormatException(n.where + ": " + roles[i] + " '" + pName + "' has dims " + Arrays.toString(d)
                        + ", expected [C]" + (channels >= 0 ? " with C = " + channels : ""));
            channels = (int) d[0];
            p[i] = inits.floats(pName);
        }
        for (int c = 0; c < channels; c++)
            if (!(p[3][c] + eps > 0))
                throw new ModelFormatException(n.where + ": input_var + epsilon is " + (p[3][c] + eps) + " at channel " + c + " (must be > 0)");
        // kept as its own float op (ADABM.md §1: batch norm stays float32); float plans fold it (AffineFolding)
        add(BatchNorm.asAffine(n.name, x, n.out, p[0], p[1], p[2], p[3], eps));
    }

    private void identity(NodeContext n) {
        n.arity(1, 1);
        n.attributes();
        String in = n.node.getInput(0);
        String target = resolve(in);
        if (!activations.contains(target) && !inits.contains(target))
            throw new ModelFormatException(n.where + ": input '" + in + "' is not produced by an earlier node, the graph input or an initializer");
        alias.put(n.out, target);
    }

    // ---- per-node helpers ----

    /** One node being translated: its inputs, classified as activations or parameters, with errors naming it. */
    private final class NodeContext {
        final NodeProto node;
        final String name, where, out;

        NodeContext(NodeProto node, String name, String where, String out) {
            this.node = node; this.name = name; this.where = where; this.out = out;
        }

        void arity(int min, int max) {
            int k = node.getInputCount();
            while (k > min && node.getInput(k - 1).isEmpty()) k--;   // trailing optional inputs may be ""
            if (k < min || k > max)
                throw new ModelFormatException(where + ": has " + node.getInputCount() + " inputs, expected "
                        + (min == max ? String.valueOf(min) : min + (max == Integer.MAX_VALUE ? " or more" : ".." + max)));
        }

        Attributes attributes(String... known) { return new Attributes(node, where, Set.of(known)); }

        boolean present(int i) { return i < node.getInputCount() && !node.getInput(i).isEmpty(); }

        boolean isConstant(int i) { return present(i) && inits.contains(resolve(node.getInput(i))); }

        /** Input i, which must be a run-time tensor produced before this node (or the graph input). */
        String act(int i) {
            if (!present(i)) throw new ModelFormatException(where + ": input " + i + " is missing");
            String in = node.getInput(i), r = resolve(in);
            if (activations.contains(r)) return r;
            if (inits.contains(r))
                throw new UnsupportedOpException(where + ": input " + i + " '" + in + "' is a constant initializer; this op needs a computed tensor there");
            throw new ModelFormatException(where + ": input '" + in + "' is not produced by an earlier node or the graph input"
                    + " (nodes must be in topological order)");
        }

        /** Input i, which must be an initializer (weights, slopes, pads, scales ...). */
        String param(int i, String role) {
            if (!present(i)) throw new ModelFormatException(where + ": " + role + " input " + i + " is missing");
            String in = node.getInput(i), r = resolve(in);
            if (inits.contains(r)) return r;
            if (activations.contains(r))
                throw new UnsupportedOpException(where + ": " + role + " '" + in + "' is computed at run time; it must be an initializer");
            throw new ModelFormatException(where + ": " + role + " '" + in + "' is not an initializer");
        }

        int dim(String tensor, long[] dims, int i, int max) {
            if (dims[i] < 1 || dims[i] > max)
                throw new ModelFormatException(where + ": '" + tensor + "' dims " + Arrays.toString(dims) + ": entry " + i + " is outside 1.." + max);
            return (int) dims[i];
        }
    }
}
