package adabm.io.onnx;

import static adabm.io.onnx.OnnxTestModels.*;
import static org.junit.jupiter.api.Assertions.*;

import adabm.ModelFormatException;
import adabm.ShapeException;
import adabm.UnsupportedOpException;
import adabm.graph.Graph;
import adabm.io.onnx.proto.OnnxProto.*;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model-level rules: opsets, data types, inputs/outputs, metadata and error messages naming file and field. */
class ModelLevelImportTest {
    static ModelProto.Builder reluModel() { return model(List.of(node("Relu", "r", List.of("x"), "y")), List.of(), "y"); }

    static ModelProto.Builder conv1x1(TensorProto weight) {
        return model(List.of(node("Conv", "c", List.of("x", "w"), "y")), List.of(weight), "y");
    }

    @Test void opsetRangeAndDomains() {
        for (int v : new int[] {11, 13, 17, 21}) {
            ModelProto.Builder m = reluModel();
            m.getOpsetImportBuilder(0).setVersion(v);
            assertEquals(1, load(m).ops().size());
        }
        for (int v : new int[] {10, 22}) {
            ModelProto.Builder m = reluModel();
            m.getOpsetImportBuilder(0).setVersion(v);
            var e = assertThrows(UnsupportedOpException.class, () -> load(m));
            assertEquals("test.onnx: opset " + v + " is not supported (11..21)", e.getMessage());
        }
        ModelProto.Builder ai = reluModel();
        ai.getOpsetImportBuilder(0).setDomain("ai.onnx");
        ai.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.example").setVersion(1));
        assertEquals(1, load(ai).ops().size(), "'ai.onnx' is the default domain; unused extra domains are harmless");
        ModelProto.Builder custom = reluModel();
        custom.getGraphBuilder().getNodeBuilder(0).setDomain("com.microsoft");
        assertThrows(UnsupportedOpException.class, () -> load(custom));
        ModelProto.Builder none = reluModel().clearOpsetImport();
        assertThrows(ModelFormatException.class, () -> load(none));
        ModelProto.Builder oldIr = reluModel().setIrVersion(2);
        assertThrows(ModelFormatException.class, () -> load(oldIr));
    }

    @Test void floatEncodingsDecodeToTheSameWeights() {
        float[] w = {1.5f, -2.25f, 0.125f, 3f, -0.5f, 8f};
        float[] fromRaw = load(conv1x1(floats("w", dims(2, 3, 1, 1), w))).convs().get(0).weight();
        assertArrayEquals(w, fromRaw, 0f);
        assertArrayEquals(w, load(conv1x1(floatData("w", dims(2, 3, 1, 1), w))).convs().get(0).weight(), 0f);
        // float64 (exactly representable values convert exactly)
        TensorProto.Builder d = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.DOUBLE_VALUE).addAllDims(box(dims(2, 3, 1, 1)));
        for (float f : w) d.addDoubleData(f);
        assertArrayEquals(w, load(conv1x1(d.build())).convs().get(0).weight(), 0f);
        // float16 in raw_data: these values are exact in half precision
        ByteBuffer half = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : w) half.putShort(Float.floatToFloat16(f));
        TensorProto h = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT16_VALUE).addAllDims(box(dims(2, 3, 1, 1)))
                .setRawData(ByteString.copyFrom(half.array())).build();
        assertArrayEquals(w, load(conv1x1(h)).convs().get(0).weight(), 0f);
        TensorProto.Builder big = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.DOUBLE_VALUE).addAllDims(box(dims(1, 3, 1, 1)))
                .addDoubleData(1).addDoubleData(1e300).addDoubleData(1);
        var e = assertThrows(ModelFormatException.class, () -> load(conv1x1(big.build())));
        assertTrue(e.getMessage().contains("initializer 'w' float64 value 1.0E300 does not fit in float32"), e.getMessage());
        TensorProto ints = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.INT8_VALUE).addAllDims(box(dims(1, 3, 1, 1)))
                .setRawData(ByteString.copyFrom(new byte[3])).build();
        assertThrows(ModelFormatException.class, () -> load(conv1x1(ints)));
    }

    @Test void sizeGuardsRunBeforeAllocation() {
        // dims claim 2^40 elements: must fail on the size check, not attempt a 4 TB allocation
        TensorProto huge = TensorProto.newBuilder().setName("w").setDataType(1).addAllDims(box(dims(1 << 20, 1 << 20, 1, 1)))
                .setRawData(ByteString.copyFrom(new byte[16])).build();
        var e = assertThrows(ModelFormatException.class, () -> load(conv1x1(huge)));
        assertTrue(e.getMessage().startsWith("test.onnx: initializer 'w' dims [1048576, 1048576, 1, 1] describe more than"), e.getMessage());
        TensorProto overflow = TensorProto.newBuilder().setName("w").setDataType(1).addAllDims(box(dims(Long.MAX_VALUE / 2, 4, 1, 1))).build();
        assertThrows(ModelFormatException.class, () -> load(conv1x1(overflow)));
        TensorProto shortRaw = floats("w", dims(64, 3, 3, 3), new float[10]);
        e = assertThrows(ModelFormatException.class, () -> load(conv1x1(shortRaw)));
        assertEquals("test.onnx: initializer 'w' dims need 6912 bytes of raw_data (1728 x 4), found 40", e.getMessage());
    }

    @Test void externalDataIsRejectedClearly() {
        TensorProto ext = TensorProto.newBuilder().setName("w").setDataType(1).addAllDims(box(dims(1, 3, 1, 1)))
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin")).build();
        var e = assertThrows(ModelFormatException.class, () -> load(conv1x1(ext)));
        assertTrue(e.getMessage().startsWith("test.onnx: initializer 'w' stores its data in an external file"), e.getMessage());
    }

    @Test void imageInputRules() {
        ModelProto.Builder twoInputs = reluModel();
        twoInputs.getGraphBuilder().addInput(twoInputs.getGraph().getInput(0).toBuilder().setName("z"));
        assertThrows(ModelFormatException.class, () -> load(twoInputs));
        ModelProto.Builder grey = reluModel();
        grey.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(1).setDimValue(1);
        var e = assertThrows(ShapeException.class, () -> load(grey));
        assertEquals("test.onnx: graph input 'x': channel dim is 1, expected 3 (RGB)", e.getMessage());
        ModelProto.Builder ints = reluModel();
        ints.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().setElemType(7);
        assertThrows(UnsupportedOpException.class, () -> load(ints));
        ModelProto.Builder batch = reluModel();
        batch.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0).setDimParam("N");
        assertEquals("x", load(batch).input(), "symbolic batch [N,3,H,W] is accepted");
        // an input that has an initializer of the same name is a constant, not the image
        ModelProto.Builder withConstInput = conv1x1(floats("w", dims(1, 3, 1, 1), 1, 2, 3));
        withConstInput.getGraphBuilder().addInput(ValueInfoProto.newBuilder().setName("w"));
        assertEquals("x", load(withConstInput).input());
    }

    @Test void metadataAndNamesAreKept() {
        ModelProto.Builder m = reluModel().addMetadataProps(StringStringEntryProto.newBuilder().setKey("family").setValue("EDSR"));
        Graph g = OnnxImporter.fromModel(m.build(), "edsr_test.onnx");
        assertEquals(Map.of("scale", "1", "family", "EDSR"), g.metadata());
        assertEquals("edsr_test", g.name());
        assertEquals("r", g.ops().get(0).name());
        Graph unnamed = load(model(List.of(node("Relu", "", List.of("x"), "y")), List.of(), "y"));
        assertEquals("y", unnamed.ops().get(0).name(), "an unnamed node takes its output's name");
    }

    @Test void structuralErrorsNameTheNode() {
        var e = assertThrows(UnsupportedOpException.class, () -> load(model(List.of(node("Softmax", "sm", List.of("x"), "y")), List.of(), "y")));
        assertEquals("test.onnx: node 'sm' (Softmax): operator 'Softmax' is not supported", e.getMessage());
        e = assertThrows(UnsupportedOpException.class, () -> load(model(List.of(node("Relu", "r", List.of("x"), "y", intAttr("bogus", 1))), List.of(), "y")));
        assertTrue(e.getMessage().startsWith("test.onnx: node 'r' (Relu): attribute 'bogus' is not supported"), e.getMessage());
        var m = assertThrows(ModelFormatException.class, () -> load(model(List.of(node("Relu", "b", List.of("a"), "y"), node("Relu", "a", List.of("x"), "a")),
                List.of(), "y")));
        assertTrue(m.getMessage().startsWith("test.onnx: node 'b' (Relu): input 'a' is not produced by an earlier node"), m.getMessage());
        m = assertThrows(ModelFormatException.class, () -> load(model(List.of(node("Relu", "r", List.of("x"), "a"), node("Relu", "r", List.of("a"), "y")),
                List.of(), "y")));
        assertTrue(m.getMessage().contains("node name is used twice"), m.getMessage());
        m = assertThrows(ModelFormatException.class, () -> load(model(List.of(node("Relu", "r", List.of("x"), "a")), List.of(), "y")));
        assertEquals("test.onnx: graph output 'y' is not produced by any node", m.getMessage());
        m = assertThrows(ModelFormatException.class, () -> load(model(List.of(node("Relu", "r", List.of("x"), "x")), List.of(), "x")));
        assertTrue(m.getMessage().contains("output 'x' is already defined"), m.getMessage());
        var s = assertThrows(ShapeException.class, () -> load(model(List.of(node("Conv", "c", List.of("x", "w"), "a"), node("Add", "add", List.of("a", "x"), "y")),
                List.of(floats("w", dims(4, 3, 1, 1), new float[12])), "y")));
        assertEquals("test.onnx: node 'add': operands have shapes [4,64,48] and [3,64,48]", s.getMessage());
        ModelProto.Builder declared = model(List.of(node("Conv", "c", List.of("x", "w"), "y")), List.of(floats("w", dims(4, 3, 1, 1), new float[12])), "y");
        declared.getGraphBuilder().getOutputBuilder(0).setType(declared.getGraph().getInput(0).getType());   // [1,3,H,W]
        s = assertThrows(ShapeException.class, () -> load(declared));
        assertEquals("test.onnx: graph output 'y' is declared with 3 channels, the nodes compute 4", s.getMessage());
    }

    @Test void fileLevelErrors(@TempDir Path dir) throws IOException {
        var e = assertThrows(ModelFormatException.class, () -> OnnxImporter.load(dir.resolve("missing.onnx")));
        assertTrue(e.getMessage().contains("missing.onnx: file not found"), e.getMessage());
        Path garbage = dir.resolve("garbage.onnx");
        Files.write(garbage, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02});
        e = assertThrows(ModelFormatException.class, () -> OnnxImporter.load(garbage));
        assertTrue(e.getMessage().startsWith("garbage.onnx: not a valid ONNX protobuf file"), e.getMessage());
        Path good = dir.resolve("good.onnx");
        Files.write(good, reluModel().build().toByteArray());
        assertEquals(1, OnnxImporter.load(good).ops().size());
        Path empty = dir.resolve("empty.onnx");
        Files.write(empty, new byte[0]);
        assertThrows(ModelFormatException.class, () -> OnnxImporter.load(empty), "an empty file parses as an empty model");
    }
}
