package adabm.io.onnx;

import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.io.onnx.proto.OnnxProto;
import adabm.io.onnx.proto.OnnxProto.AttributeProto;
import adabm.io.onnx.proto.OnnxProto.NodeProto;
import adabm.io.onnx.proto.OnnxProto.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes a {@link Graph} as a standard ONNX model (opset 13, ir_version 8) that {@link OnnxImporter} and ONNX Runtime
 * read back: every IR op maps to one or two standard ONNX ops. Input is [N, C, H, W] with symbolic N, H, W.
 * An {@link OpEmitter} may take over some ops (the QDQ export writes quantized convs itself).
 */
public final class OnnxWriter {
    public static final int OPSET = 13;

    /** Writes some ops itself; returns false to let the writer emit the plain float32 op. */
    public interface OpEmitter {
        boolean emit(Op op, OnnxWriter writer);
    }

    private final OnnxProto.GraphProto.Builder graph;
    private final Set<String> names = new HashSet<>();

    private OnnxWriter(String name) { graph = OnnxProto.GraphProto.newBuilder().setName(name); }

    /** The plain float32 model. */
    public static OnnxProto.ModelProto write(Graph g) { return write(g, (op, w) -> false, "adabm"); }

    public static OnnxProto.ModelProto write(Graph g, OpEmitter emitter, String docString) {
        OnnxWriter w = new OnnxWriter(g.name());
        for (Op op : g.ops()) if (!emitter.emit(op, w)) w.emitFloat(op);
        OnnxProto.TensorShapeProto.Builder shape = OnnxProto.TensorShapeProto.newBuilder()
                .addDim(OnnxProto.TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                .addDim(OnnxProto.TensorShapeProto.Dimension.newBuilder().setDimValue(g.inputChannels()))
                .addDim(OnnxProto.TensorShapeProto.Dimension.newBuilder().setDimParam("H"))
                .addDim(OnnxProto.TensorShapeProto.Dimension.newBuilder().setDimParam("W"));
        w.graph.addInput(OnnxProto.ValueInfoProto.newBuilder().setName(g.input()).setType(OnnxProto.TypeProto.newBuilder()
                .setTensorType(OnnxProto.TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))));
        w.graph.addOutput(OnnxProto.ValueInfoProto.newBuilder().setName(g.output()).setType(OnnxProto.TypeProto.newBuilder()
                .setTensorType(OnnxProto.TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        OnnxProto.ModelProto.Builder m = OnnxProto.ModelProto.newBuilder().setIrVersion(8).setProducerName("adabm")
                .setProducerVersion(adabm.Version.TEXT).setDocString(docString).setGraph(w.graph)
                .addOpsetImport(OnnxProto.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
        g.metadata().forEach((k, v) -> m.addMetadataProps(OnnxProto.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    /** The float32 form of one IR op. */
    public void emitFloat(Op op) {
        String n = op.name();
        switch (op) {
            case Op.Conv2d c -> conv(c, c.input(), floats(n + ".weight", c.weight(), c.outChannels(), c.inPerGroup(), c.kernelH(), c.kernelW()),
                    floats(n + ".bias", c.bias(), c.outChannels()), c.output());
            case Op.Relu r -> node("Relu", n, r.output(), r.input());
            case Op.PRelu p -> node("PRelu", n, p.output(), p.input(),
                    p.slopes().length == 1 ? floats(n + ".slope", p.slopes(), 1) : floats(n + ".slope", p.slopes(), p.slopes().length, 1, 1));
            case Op.LeakyRelu l -> node("LeakyRelu", n, l.output(), l.input()).addAttribute(floatAttr("alpha", l.alpha()));
            case Op.Add a -> node("Add", n, a.output(), a.a(), a.b());
            case Op.Sub s -> node("Sub", n, s.output(), s.a(), s.b());
            case Op.Affine a -> affine(a);
            case Op.Concat c -> node("Concat", n, c.output(), c.inputs().toArray(String[]::new)).addAttribute(intAttr("axis", 1));
            case Op.DepthToSpace d -> node("DepthToSpace", n, d.output(), d.input()).addAttribute(intAttr("blocksize", d.block()))
                    .addAttribute(stringAttr("mode", d.order().name()));
            case Op.Pad p -> node("Pad", n, p.output(), p.input(),
                    int64s(n + ".pads", new long[] {0, 0, p.top(), p.left(), 0, 0, p.bottom(), p.right()}, 8),
                    floats(n + ".value", new float[] {p.value()}))
                    .addAttribute(stringAttr("mode", p.mode() == Op.PadMode.EDGE ? "edge" : "constant"));
            case Op.ResizeNearest r -> node("Resize", n, r.output(), r.input(), "",
                    floats(n + ".scales", new float[] {1, 1, r.scale(), r.scale()}, 4))
                    .addAttribute(stringAttr("mode", "nearest"))
                    .addAttribute(stringAttr("coordinate_transformation_mode", "asymmetric"))
                    .addAttribute(stringAttr("nearest_mode", "floor"));
        }
    }

    private void affine(Op.Affine a) {
        boolean unitScale = allEqual(a.scale(), 1f), zeroShift = allEqual(a.shift(), 0f);
        String x = a.input();
        if (unitScale && zeroShift) { node("Identity", a.name(), a.output(), x); return; }
        if (!unitScale) {
            String out = zeroShift ? a.output() : a.name() + ".scaled";
            node("Mul", a.name() + ".mul", out, x, channelConstant(a.name() + ".scale", a.scale()));
            x = out;
        }
        if (!zeroShift) node("Add", a.name(), a.output(), x, channelConstant(a.name() + ".shift", a.shift()));
    }

    private String channelConstant(String name, float[] v) {
        return v.length == 1 ? floats(name, v) : floats(name, v, 1, v.length, 1, 1);
    }

    /** A Conv node on given input, weight and bias tensor names. */
    public NodeProto.Builder conv(Op.Conv2d c, String input, String weight, String bias, String output) {
        return node("Conv", c.name(), output, input, weight, bias)
                .addAttribute(intsAttr("kernel_shape", c.kernelH(), c.kernelW()))
                .addAttribute(intsAttr("pads", c.padTop(), c.padLeft(), c.padBottom(), c.padRight()))
                .addAttribute(intsAttr("strides", 1, 1))
                .addAttribute(intsAttr("dilations", 1, 1))
                .addAttribute(intAttr("group", c.groups()));
    }

    /** Adds a node; names must be unique in the model. */
    public NodeProto.Builder node(String opType, String name, String output, String... inputs) {
        unique(name);
        NodeProto.Builder b = graph.addNodeBuilder().setOpType(opType).setName(name).addOutput(output);
        for (String in : inputs) b.addInput(in);
        return b;
    }

    /** A float32 initializer; no dims = a scalar. Returns its name. */
    public String floats(String name, float[] v, long... dims) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) bb.putFloat(f);
        return initializer(name, TensorProto.DataType.FLOAT_VALUE, bb.array(), dims);
    }

    public String int8s(String name, byte[] v, long... dims) { return initializer(name, TensorProto.DataType.INT8_VALUE, v, dims); }

    public String uint8s(String name, byte[] v, long... dims) { return initializer(name, TensorProto.DataType.UINT8_VALUE, v, dims); }

    public String int32s(String name, int[] v, long... dims) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i : v) bb.putInt(i);
        return initializer(name, TensorProto.DataType.INT32_VALUE, bb.array(), dims);
    }

    public String int64s(String name, long[] v, long... dims) {
        ByteBuffer bb = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long l : v) bb.putLong(l);
        return initializer(name, TensorProto.DataType.INT64_VALUE, bb.array(), dims);
    }

    private String initializer(String name, int type, byte[] raw, long... dims) {
        unique(name);
        TensorProto.Builder t = graph.addInitializerBuilder().setName(name).setDataType(type).setRawData(ByteString.copyFrom(raw));
        for (long d : dims) t.addDims(d);
        return name;
    }

    private void unique(String name) {
        if (!names.add(name)) throw new IllegalStateException("ONNX writer: name '" + name + "' used twice");
    }

    private static boolean allEqual(float[] v, float x) {
        for (float f : v) if (f != x) return false;
        return true;
    }

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setI(v).setType(AttributeProto.AttributeType.INT).build();
    }

    static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setF(v).setType(AttributeProto.AttributeType.FLOAT).build();
    }

    static AttributeProto stringAttr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setS(ByteString.copyFromUtf8(v)).setType(AttributeProto.AttributeType.STRING).build();
    }

    static AttributeProto intsAttr(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }
}
