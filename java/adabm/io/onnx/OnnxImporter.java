package adabm.io.onnx;

import adabm.AdabmException;
import adabm.ModelFormatException;
import adabm.ShapeException;
import adabm.UnsupportedOpException;
import adabm.graph.Graph;
import adabm.io.onnx.proto.OnnxProto.GraphProto;
import adabm.io.onnx.proto.OnnxProto.ModelProto;
import adabm.io.onnx.proto.OnnxProto.NodeProto;
import adabm.io.onnx.proto.OnnxProto.OperatorSetIdProto;
import adabm.io.onnx.proto.OnnxProto.StringStringEntryProto;
import adabm.io.onnx.proto.OnnxProto.TensorProto;
import adabm.io.onnx.proto.OnnxProto.TensorShapeProto;
import adabm.io.onnx.proto.OnnxProto.ValueInfoProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an ONNX super-resolution model into the IR {@link Graph}. Accepts default-domain opsets 11..21 (the ops
 * used here have the same semantics across that range), IR version >= 3, one float image input [N,3,H,W] and
 * one output. Every problem is reported as a {@link ModelFormatException}, {@link UnsupportedOpException} or
 * {@link ShapeException} whose message starts with the file name and names the node, initializer or field.
 */
public final class OnnxImporter {
    public static final int MIN_OPSET = 11, MAX_OPSET = 21;
    /** Larger files are refused before reading: protobuf messages are limited to 2 GiB anyway. */
    static final long MAX_FILE_BYTES = 1L << 30;
    /** Input size used to infer shapes at load, so a shape mismatch is reported at import, naming the node. */
    static final int PROBE_H = 64, PROBE_W = 48;

    private OnnxImporter() { }

    public static Graph load(Path file) {
        String label = String.valueOf(file.getFileName());
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) throw new ModelFormatException(label + ": file is " + size + " bytes, more than the " + MAX_FILE_BYTES + " supported");
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file + ": file not found", e);
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        return load(bytes, label);
    }

    /** Parses serialized ONNX bytes; {@code label} (usually the file name) starts every error message. */
    public static Graph load(byte[] bytes, String label) {
        ModelProto model;
        try {
            // aliasing: raw_data blobs stay views of the file bytes instead of being copied a second time
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.enableAliasing(true);
            model = ModelProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFormatException(label + ": not a valid ONNX protobuf file: " + e.getMessage(), e);
        } catch (IOException e) {   // declared by the stream API; an in-memory array cannot fail to read
            throw new ModelFormatException(label + ": cannot parse: " + e.getMessage(), e);
        }
        return fromModel(model, label);
    }

    /** Translates an already parsed model. */
    public static Graph fromModel(ModelProto model, String label) {
        try {
            return translate(model, label);
        } catch (AdabmException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(label + ":") ? e : prefixed(e, label);
        }
    }

    private static Graph translate(ModelProto model, String label) {
        if (model.getIrVersion() < 3)
            throw new ModelFormatException(label + ": ir_version " + model.getIrVersion() + " is not supported (3 or later)");
        checkOpset(model, label);
        if (!model.hasGraph()) throw new ModelFormatException(label + ": the model has no graph");
        GraphProto g = model.getGraph();
        Initializers inits = new Initializers(label, g.getInitializerList());
        ValueInfoProto input = imageInput(g, inits, label);
        if (g.getOutputCount() != 1)
            throw new ModelFormatException(label + ": graph has " + g.getOutputCount() + " outputs, expected exactly 1");
        String outputName = g.getOutput(0).getName();

        NodeTranslator t = new NodeTranslator(label, inits, input.getName());
        for (NodeProto node : g.getNodeList()) t.translate(node);
        String output = t.resolve(outputName);
        if (!t.isActivation(output) || output.equals(input.getName()))
            throw new ModelFormatException(label + ": graph output '" + outputName + "' is not produced by any node");

        Map<String, String> metadata = new LinkedHashMap<>();
        for (StringStringEntryProto e : model.getMetadataPropsList()) metadata.put(e.getKey(), e.getValue());
        Graph graph = new Graph(modelName(label), input.getName(), 3, t.ops(), output, metadata);
        checkShapes(graph, label, g.getOutput(0));
        return graph;
    }

    private static void checkOpset(ModelProto model, String label) {
        Long version = null;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (!o.getDomain().isEmpty() && !o.getDomain().equals("ai.onnx")) continue;   // unused extra domains are harmless
            if (version != null && version != o.getVersion())
                throw new ModelFormatException(label + ": opset_import lists the default domain twice (" + version + " and " + o.getVersion() + ")");
            version = o.getVersion();
        }
        if (version == null) throw new ModelFormatException(label + ": opset_import has no entry for the default ONNX domain");
        if (version < MIN_OPSET || version > MAX_OPSET)
            throw new UnsupportedOpException(label + ": opset " + version + " is not supported (" + MIN_OPSET + ".." + MAX_OPSET + ")");
    }

    /** The single graph input that is not an initializer: float [N,3,H,W] with any N, H, W (fixed or symbolic). */
    private static ValueInfoProto imageInput(GraphProto g, Initializers inits, String label) {
        List<ValueInfoProto> inputs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!names.add(v.getName())) throw new ModelFormatException(label + ": graph input '" + v.getName() + "' is listed twice");
            if (!inits.contains(v.getName())) inputs.add(v);
        }
        if (inputs.size() != 1) {
            List<String> list = inputs.stream().map(ValueInfoProto::getName).toList();
            throw new ModelFormatException(label + ": graph has " + inputs.size() + " non-constant inputs " + list + ", expected exactly 1 image input");
        }
        ValueInfoProto in = inputs.get(0);
        String where = label + ": graph input '" + in.getName() + "'";
        if (in.getName().isEmpty()) throw new ModelFormatException(label + ": graph input has an empty name");
        if (!in.hasType() || !in.getType().hasTensorType()) throw new ModelFormatException(where + " has no tensor type");
        var tt = in.getType().getTensorType();
        if (tt.getElemType() != TensorProto.DataType.FLOAT_VALUE)
            throw new UnsupportedOpException(where + " has element type " + tt.getElemType() + ", expected float32 (1)");
        if (!tt.hasShape()) throw new ModelFormatException(where + " has no shape; expected [N,3,H,W]");
        List<TensorShapeProto.Dimension> dims = tt.getShape().getDimList();
        if (dims.size() != 4) throw new ShapeException(where + " has " + dims.size() + " dims, expected 4 ([N,3,H,W])");
        TensorShapeProto.Dimension c = dims.get(1);
        if (!c.hasDimValue() || c.getDimValue() != 3)
            throw new ShapeException(where + ": channel dim is " + (c.hasDimValue() ? c.getDimValue() : "'" + c.getDimParam() + "'") + ", expected 3 (RGB)");
        for (int i : new int[] {0, 2, 3})
            if (dims.get(i).hasDimValue() && dims.get(i).getDimValue() < 1)
                throw new ShapeException(where + ": dim " + i + " is " + dims.get(i).getDimValue());
        return in;
    }

    /** Shape inference on a probe size, also guarding against sizes that overflowed through absurd factors. */
    private static void checkShapes(Graph graph, String label, ValueInfoProto declaredOutput) {
        Map<String, Graph.Shape> shapes = graph.inferShapes(PROBE_H, PROBE_W);
        for (var e : shapes.entrySet()) {
            Graph.Shape s = e.getValue();
            if (s.c() < 1 || s.h() < 1 || s.w() < 1 || s.elements() > Initializers.MAX_ELEMENTS)
                throw new ShapeException(label + ": tensor '" + e.getKey() + "' would be " + s + " for a " + PROBE_H + "x" + PROBE_W + " input");
        }
        // a declared fixed channel count of the output must match what the ops compute
        var type = declaredOutput.getType().getTensorType();
        if (type.hasShape() && type.getShape().getDimCount() == 4 && type.getShape().getDim(1).hasDimValue()) {
            long declared = type.getShape().getDim(1).getDimValue();
            int computed = shapes.get(graph.output()).c();
            if (declared != computed)
                throw new ShapeException(label + ": graph output '" + declaredOutput.getName() + "' is declared with " + declared
                        + " channels, the nodes compute " + computed);
        }
    }

    private static String modelName(String label) {
        return label.endsWith(".onnx") ? label.substring(0, label.length() - 5) : label;
    }

    private static AdabmException prefixed(AdabmException e, String label) {
        String m = label + ": " + e.getMessage();
        if (e instanceof UnsupportedOpException) return new UnsupportedOpException(m);
        if (e instanceof ShapeException) return new ShapeException(m);
        if (e instanceof ModelFormatException) return new ModelFormatException(m, e);
        return new AdabmException(m, e);
    }
}
