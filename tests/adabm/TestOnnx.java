package adabm;

import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.io.onnx.proto.OnnxProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes small test graphs ({@link TestGraphs}) as ONNX files so command-line tests can load them like real models.
 * Handles Conv, Relu, Add, DepthToSpace and a unit-scale Affine (as Add of a [1,C,1,1] constant); input "H"/"W"
 * symbolic.
 */
public final class TestOnnx {
    private TestOnnx() { }

    public static Path write(Graph g, Path file) throws IOException {
        Files.write(file, toOnnx(g).toByteArray());
        return file;
    }

    public static OnnxProto.ModelProto toOnnx(Graph g) {
        OnnxProto.GraphProto.Builder gb = OnnxProto.GraphProto.newBuilder().setName(g.name());
        for (Op op : g.ops()) {
            OnnxProto.NodeProto.Builder n = OnnxProto.NodeProto.newBuilder().setName(op.name()).addOutput(op.output());
            switch (op) {
                case Op.Conv2d c -> {
                    gb.addInitializer(tensor(op.name() + ".w", c.weight(), c.outChannels(), c.inPerGroup(), c.kernelH(), c.kernelW()));
                    gb.addInitializer(tensor(op.name() + ".b", c.bias(), c.outChannels()));
                    n.setOpType("Conv").addInput(c.input()).addInput(op.name() + ".w").addInput(op.name() + ".b")
                            .addAttribute(ints("kernel_shape", c.kernelH(), c.kernelW()))
                            .addAttribute(ints("pads", c.padTop(), c.padLeft(), c.padBottom(), c.padRight()))
                            .addAttribute(OnnxProto.AttributeProto.newBuilder().setName("group").setI(c.groups())
                                    .setType(OnnxProto.AttributeProto.AttributeType.INT));
                }
                case Op.Relu r -> n.setOpType("Relu").addInput(r.input());
                case Op.Add a -> n.setOpType("Add").addInput(a.a()).addInput(a.b());
                case Op.Affine a when a.scale().length == 1 && a.scale()[0] == 1f -> {
                    gb.addInitializer(tensor(op.name() + ".shift", a.shift(), 1, a.shift().length, 1, 1));
                    n.setOpType("Add").addInput(a.input()).addInput(op.name() + ".shift");
                }
                case Op.DepthToSpace d -> n.setOpType("DepthToSpace").addInput(d.input())
                        .addAttribute(OnnxProto.AttributeProto.newBuilder().setName("blocksize").setI(d.block())
                                .setType(OnnxProto.AttributeProto.AttributeType.INT))
                        .addAttribute(OnnxProto.AttributeProto.newBuilder().setName("mode")
                                .setS(com.google.protobuf.ByteString.copyFromUtf8(d.order().name()))
                                .setType(OnnxProto.AttributeProto.AttributeType.STRING));
                default -> throw new IllegalArgumentException("test ONNX writer does not handle " + op);
            }
            gb.addNode(n);
        }
        OnnxProto.TensorShapeProto.Builder shape = OnnxProto.TensorShapeProto.newBuilder()
                .addDim(OnnxProto.TensorShapeProto.Dimension.newBuilder().setDimValue(1))
                .addDim(OnnxProto.TensorShapeProto.Dimension.newBuilder().setDimValue(g.inputChannels()))
                .addDim(OnnxProto.TensorShapeProto.Dimension.newBuilder().setDimParam("H"))
                .addDim(OnnxProto.TensorShapeProto.Dimension.newBuilder().setDimParam("W"));
        gb.addInput(OnnxProto.ValueInfoProto.newBuilder().setName(g.input()).setType(OnnxProto.TypeProto.newBuilder()
                .setTensorType(OnnxProto.TypeProto.Tensor.newBuilder().setElemType(1).setShape(shape))));
        gb.addOutput(OnnxProto.ValueInfoProto.newBuilder().setName(g.output()).setType(OnnxProto.TypeProto.newBuilder()
                .setTensorType(OnnxProto.TypeProto.Tensor.newBuilder().setElemType(1))));
        return OnnxProto.ModelProto.newBuilder().setIrVersion(8).setGraph(gb)
                .addOpsetImport(OnnxProto.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).build();
    }

    private static OnnxProto.TensorProto tensor(String name, float[] data, long... dims) {
        OnnxProto.TensorProto.Builder t = OnnxProto.TensorProto.newBuilder().setName(name).setDataType(1);
        for (long d : dims) t.addDims(d);
        for (float v : data) t.addFloatData(v);
        return t.build();
    }

    private static OnnxProto.AttributeProto ints(String name, long... values) {
        OnnxProto.AttributeProto.Builder a = OnnxProto.AttributeProto.newBuilder().setName(name)
                .setType(OnnxProto.AttributeProto.AttributeType.INTS);
        for (long v : values) a.addInts(v);
        return a.build();
    }
}
