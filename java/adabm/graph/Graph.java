package adabm.graph;

import adabm.ShapeException;
import adabm.UnsupportedOpException;
import adabm.tensor.Tensor;
import java.util.*;

/**
 * A super-resolution network: one image input [1,C,H,W] (RGB 0..255), ops in topological order, one output.
 * The constructor validates names, ordering and parameter sizes; {@link #inferShapes} checks shapes for an input size.
 */
public final class Graph {
    private final String name;
    private final String input;
    private final int inputChannels;
    private final List<Op> ops;
    private final String output;
    private final Map<String, String> metadata;

    public Graph(String name, String input, int inputChannels, List<Op> ops, String output, Map<String, String> metadata) {
        this.name = name;
        this.input = input;
        this.inputChannels = inputChannels;
        this.ops = List.copyOf(ops);
        this.output = output;
        this.metadata = Map.copyOf(metadata);
        validateStructure();
    }

    public String name() { return name; }
    public String input() { return input; }
    public int inputChannels() { return inputChannels; }
    public List<Op> ops() { return ops; }
    public String output() { return output; }
    public Map<String, String> metadata() { return metadata; }

    public List<Op.Conv2d> convs() {
        List<Op.Conv2d> list = new ArrayList<>();
        for (Op op : ops) if (op instanceof Op.Conv2d c) list.add(c);
        return list;
    }

    /** Upscaling factor: output size / input size, from shape inference on a small probe input. */
    public int scale() {
        int probe = 64;
        Shape out = inferShapes(probe, probe).get(output);
        if (out.h() % probe != 0 || out.w() != out.h())
            throw new ShapeException("graph " + name + ": output " + out + " is not an integer multiple of the input " + probe + "x" + probe);
        return out.h() / probe;
    }

    /** Per-sample shape of a tensor (channels, height, width). */
    public record Shape(int c, int h, int w) {
        public long elements() { return (long) c * h * w; }
        @Override public String toString() { return "[" + c + "," + h + "," + w + "]"; }
    }

    private void validateStructure() {
        if (ops.isEmpty()) throw new ShapeException("graph " + name + " has no operators");
        Set<String> defined = new HashSet<>();
        Set<String> names = new HashSet<>();
        defined.add(input);
        for (Op op : ops) {
            if (!names.add(op.name())) throw new ShapeException("graph " + name + ": duplicate node name '" + op.name() + "'");
            for (String in : op.inputs())
                if (!defined.contains(in))
                    throw new ShapeException("node '" + op.name() + "': input '" + in + "' is not produced by an earlier node");
            if (!defined.add(op.output()))
                throw new ShapeException("node '" + op.name() + "': output '" + op.output() + "' is produced twice");
            validateParams(op);
        }
        if (!defined.contains(output)) throw new ShapeException("graph " + name + ": output '" + output + "' is never produced");
    }

    private static void validateParams(Op op) {
        switch (op) {
            case Op.Conv2d c -> {
                if (c.inChannels() <= 0 || c.outChannels() <= 0 || c.kernelH() <= 0 || c.kernelW() <= 0 || c.groups() <= 0)
                    throw new ShapeException("conv '" + c.name() + "': non-positive channels, kernel or groups");
                if (c.inChannels() % c.groups() != 0 || c.outChannels() % c.groups() != 0)
                    throw new ShapeException("conv '" + c.name() + "': channels " + c.inChannels() + "->" + c.outChannels() + " not divisible by groups " + c.groups());
                if (c.padTop() < 0 || c.padLeft() < 0 || c.padBottom() < 0 || c.padRight() < 0)
                    throw new ShapeException("conv '" + c.name() + "': negative padding");
                long wsize = (long) c.outChannels() * c.inPerGroup() * c.kernelH() * c.kernelW();
                if (c.weight().length != wsize)
                    throw new ShapeException("conv '" + c.name() + "': weight has " + c.weight().length + " values, expected " + wsize);
                if (c.bias().length != c.outChannels())
                    throw new ShapeException("conv '" + c.name() + "': bias has " + c.bias().length + " values, expected " + c.outChannels());
            }
            case Op.DepthToSpace d -> { if (d.block() < 1) throw new ShapeException("node '" + d.name() + "': block size " + d.block()); }
            case Op.ResizeNearest r -> { if (r.scale() < 1) throw new ShapeException("node '" + r.name() + "': scale " + r.scale()); }
            case Op.Pad p -> {
                if (p.top() < 0 || p.left() < 0 || p.bottom() < 0 || p.right() < 0)
                    throw new UnsupportedOpException("pad '" + p.name() + "': negative padding (cropping) is not supported");
            }
            case Op.Concat c -> { if (c.inputs().isEmpty()) throw new ShapeException("concat '" + c.name() + "' has no inputs"); }
            default -> { }
        }
    }

    /** Shapes of every tensor for an input of h x w pixels; throws {@link ShapeException} naming the first node that does not fit. */
    public Map<String, Shape> inferShapes(int h, int w) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put(input, new Shape(inputChannels, h, w));
        for (Op op : ops) {
            Shape out = outputShape(op, shapes);
            if (out.elements() > Integer.MAX_VALUE)   // float[] indices are ints
                throw new ShapeException("node '" + op.name() + "': output " + out + " for a " + h + "x" + w
                        + " input has " + out.elements() + " values, more than one tensor holds (" + Integer.MAX_VALUE + ")");
            shapes.put(op.output(), out);
        }
        return shapes;
    }

    /**
     * The output shape (per sample) for a batch of n images of c x h x w, refused with a {@link ShapeException} when
     * the channels do not match, a node does not fit (named), or the whole output would not fit one float array.
     */
    public Shape outputFor(int n, int c, int h, int w) {
        if (c != inputChannels) throw new ShapeException("input has " + c + " channels, graph " + name + " expects " + inputChannels);
        Shape o = inferShapes(h, w).get(output);
        if ((long) n * o.elements() > Integer.MAX_VALUE - 8)
            throw new ShapeException("output " + Tensor.shapeString(n, o.c(), o.h(), o.w()) + " is too large for one array");
        return o;
    }

    /** A computed height or width, refused (naming the node) when it does not fit an int. */
    private static int dim(long v, String where) {
        if (v > Integer.MAX_VALUE) throw new ShapeException(where + ": output side " + v + " is too large");
        return (int) v;
    }

    private static Shape outputShape(Op op, Map<String, Shape> shapes) {
        Shape x = shapes.get(op.inputs().get(0));
        String where = "node '" + op.name() + "'";
        return switch (op) {
            case Op.Conv2d c -> {
                if (x.c() != c.inChannels())
                    throw new ShapeException(where + ": conv expects " + c.inChannels() + " input channels, got " + x.c());
                int oh = dim((long) x.h() + c.padTop() + c.padBottom() - c.kernelH() + 1, where);
                int ow = dim((long) x.w() + c.padLeft() + c.padRight() - c.kernelW() + 1, where);
                if (oh <= 0 || ow <= 0)
                    throw new ShapeException(where + ": input " + x + " is smaller than the " + c.kernelH() + "x" + c.kernelW() + " kernel");
                yield new Shape(c.outChannels(), oh, ow);
            }
            case Op.Relu r -> x;
            case Op.LeakyRelu r -> x;
            case Op.PRelu p -> {
                if (p.slopes().length != 1 && p.slopes().length != x.c())
                    throw new ShapeException(where + ": PReLU has " + p.slopes().length + " slopes for " + x.c() + " channels");
                yield x;
            }
            case Op.Affine a -> {
                for (float[] v : new float[][] {a.scale(), a.shift()})
                    if (v.length != 1 && v.length != x.c())
                        throw new ShapeException(where + ": per-channel constant has " + v.length + " values for " + x.c() + " channels");
                yield x;
            }
            case Op.Add a -> sameShape(where, x, shapes.get(a.b()));
            case Op.Sub s -> sameShape(where, x, shapes.get(s.b()));
            case Op.Concat c -> {
                int ch = 0;
                for (String in : c.inputs()) {
                    Shape s = shapes.get(in);
                    if (s.h() != x.h() || s.w() != x.w())
                        throw new ShapeException(where + ": concat input '" + in + "' is " + s + ", first input is " + x);
                    ch += s.c();
                }
                yield new Shape(ch, x.h(), x.w());
            }
            case Op.DepthToSpace d -> {
                int b2 = d.block() * d.block();
                if (x.c() % b2 != 0)
                    throw new ShapeException(where + ": " + x.c() + " channels not divisible by block^2 = " + b2);
                yield new Shape(x.c() / b2, dim((long) x.h() * d.block(), where), dim((long) x.w() * d.block(), where));
            }
            case Op.Pad p -> new Shape(x.c(), dim((long) x.h() + p.top() + p.bottom(), where), dim((long) x.w() + p.left() + p.right(), where));
            case Op.ResizeNearest r -> new Shape(x.c(), dim((long) x.h() * r.scale(), where), dim((long) x.w() * r.scale(), where));
        };
    }

    private static Shape sameShape(String where, Shape a, Shape b) {
        if (!a.equals(b)) throw new ShapeException(where + ": operands have shapes " + a + " and " + b);
        return a;
    }

    /** Conv multiply-accumulates for one input of h x w pixels. */
    public long macs(int h, int w) {
        Map<String, Shape> shapes = inferShapes(h, w);
        long macs = 0;
        for (Op op : ops)
            if (op instanceof Op.Conv2d c) {
                Shape o = shapes.get(c.output());
                macs += c.macsPerPixel() * o.h() * o.w();
            }
        return macs;
    }

    public long parameterCount() {
        Set<float[]> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        long n = 0;
        for (Op op : ops) {
            switch (op) {
                case Op.Conv2d c -> { if (seen.add(c.weight())) n += c.weight().length; if (seen.add(c.bias())) n += c.bias().length; }
                case Op.PRelu p -> { if (seen.add(p.slopes())) n += p.slopes().length; }
                default -> { }
            }
        }
        return n;
    }
}
