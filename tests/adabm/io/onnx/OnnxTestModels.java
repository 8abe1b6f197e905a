package adabm.io.onnx;

import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.io.onnx.proto.OnnxProto.*;
import adabm.tensor.Tensor;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds small ONNX models with the generated protobuf builders: one input "x" float [1,3,H,W], opset 17; output shape undeclared. */
final class OnnxTestModels {
    static final String FILE = "test.onnx";

    private OnnxTestModels() { }

    /** Float32 initializer stored as little-endian raw_data (what exporters write). */
    static TensorProto floats(String name, long[] dims, float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addAllDims(box(dims)).setRawData(ByteString.copyFrom(b.array())).build();
    }

    /** Float32 initializer stored in the typed float_data field. */
    static TensorProto floatData(String name, long[] dims, float... v) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE).addAllDims(box(dims));
        for (float f : v) t.addFloatData(f);
        return t.build();
    }

    static TensorProto int64s(String name, long... v) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE).addDims(v.length);
        for (long x : v) t.addInt64Data(x);
        return t.build();
    }

    static long[] dims(long... d) { return d; }

    static NodeProto node(String op, String name, List<String> inputs, String output, AttributeProto... attrs) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output).addAllAttribute(Arrays.asList(attrs)).build();
    }

    static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    static AttributeProto stringAttr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(v)).build();
    }

    static ModelProto.Builder model(List<NodeProto> nodes, List<TensorProto> inits, String output) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(1))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(3))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("H"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("W")).build();
        TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape)).build();
        GraphProto g = GraphProto.newBuilder().setName("g").addAllNode(nodes).addAllInitializer(inits)
                .addInput(ValueInfoProto.newBuilder().setName("x").setType(type))
                .addOutput(ValueInfoProto.newBuilder().setName(output)
                        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1)))).build();
        return ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("scale").setValue("1"));
    }

    static Graph load(ModelProto.Builder m) { return OnnxImporter.fromModel(m.build(), FILE); }

    static Tensor run(Graph g, Tensor x) {
        try (Plan p = Backends.get("java").compile(g, new BackendOptions(1))) { return p.run(x); }
    }

    /** A deterministic [1,3,h,w] input with distinct, signed values. */
    static Tensor ramp(int h, int w) {
        Tensor t = new Tensor(1, 3, h, w);
        for (int i = 0; i < t.data.length; i++) t.data[i] = (i * 7 % 23) - 11 + 0.25f * (i % 3);
        return t;
    }

    static List<Long> box(long[] v) {
        List<Long> l = new ArrayList<>();
        for (long x : v) l.add(x);
        return l;
    }
}
