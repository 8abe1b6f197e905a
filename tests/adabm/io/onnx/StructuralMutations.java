package adabm.io.onnx;

import adabm.io.onnx.proto.OnnxProto.*;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Semantic corruptions of a parsed model, made through the protobuf builders; each returns what it did. */
final class StructuralMutations {
    private StructuralMutations() { }

    static final long[] INTS = {0, 1, -1, 2, 3, 4, 7, 64, 1000, 1 << 20, Integer.MAX_VALUE, Long.MAX_VALUE, Long.MIN_VALUE};
    static final String[] STRINGS = {"DCR", "CRD", "edge", "constant", "reflect", "nearest", "linear", "asymmetric", "half_pixel",
            "align_corners", "floor", "ceil", "round_prefer_floor", "SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET", "", "\u00ff\u0000garbage"};
    static final String[] OPS = {"Softmax", "FooBar", "", "Conv", "Relu", "Concat", "Resize", "BatchNormalization", "Identity", "Add", "Sub",
            "Mul", "Div", "Pad", "DepthToSpace", "PRelu", "Upsample", "LeakyRelu", "Constant"};

    static String apply(ModelProto.Builder m, Random r) {
        GraphProto.Builder g = m.getGraphBuilder();
        int nodes = g.getNodeCount(), inits = g.getInitializerCount();
        int kind = r.nextInt(20);
        switch (kind) {
            case 0 -> { int i = r.nextInt(inits); String n = g.getInitializer(i).getName(); g.removeInitializer(i); return "remove initializer " + n; }
            case 1 -> {
                TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(inits));
                long v = r.nextBoolean() ? pick(r, INTS) : (t.getDimsCount() > 0 ? t.getDims(0) + (r.nextBoolean() ? 1 : -1) : 1);
                if (t.getDimsCount() == 0) t.addDims(v); else t.setDims(r.nextInt(t.getDimsCount()), v);
                return "dims of " + t.getName() + " -> " + t.getDimsList();
            }
            case 2 -> {
                TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(inits));
                if (r.nextBoolean() || t.getDimsCount() == 0) t.addDims(1 + r.nextInt(3)); else { List<Long> d = new ArrayList<>(t.getDimsList()); d.remove(0); t.clearDims().addAllDims(d); }
                return "rank of " + t.getName() + " -> " + t.getDimsList();
            }
            case 3, 4 -> { return changeAttribute(g, r); }
            case 5 -> { NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes)); String op = pick(r, OPS); n.setOpType(op); return "op type of " + n.getName() + " -> " + op; }
            case 6 -> {
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                if (n.getInputCount() == 0) return "no-op";
                int j = r.nextInt(n.getInputCount());
                String[] names = {"nope", "", g.getInput(0).getName(), g.getInitializer(r.nextInt(inits)).getName(), g.getNode(r.nextInt(nodes)).getOutput(0)};
                String to = pick(r, names);
                n.setInput(j, to);
                return "input " + j + " of " + n.getName() + " -> '" + to + "'";
            }
            case 7 -> {
                for (int k = 0; k < nodes; k++) {
                    NodeProto.Builder n = g.getNodeBuilder((k + r.nextInt(nodes)) % nodes);
                    if (!n.getOpType().equals("Conv")) continue;
                    long v = pick(r, new long[] {0, -1, 2, 3, 4, 8, 16, 64, 1 << 30});
                    for (int a = 0; a < n.getAttributeCount(); a++) if (n.getAttribute(a).getName().equals("group")) { n.removeAttribute(a); break; }
                    n.addAttribute(AttributeProto.newBuilder().setName("group").setType(AttributeProto.AttributeType.INT).setI(v));
                    return "group of " + n.getName() + " -> " + v;
                }
                return "no conv";
            }
            case 8 -> {
                int i = r.nextInt(nodes), j = i + r.nextInt(nodes - i);
                NodeProto.Builder n = g.getNodeBuilder(i);
                if (n.getInputCount() == 0) return "no-op";
                n.setInput(0, g.getNode(j).getOutput(0));
                return "cycle: node " + i + " reads output of node " + j;
            }
            case 9 -> {
                int i = r.nextInt(nodes), j = r.nextInt(nodes);
                NodeProto a = g.getNode(i), b = g.getNode(j);
                g.setNode(i, b).setNode(j, a);
                return "swap nodes " + i + " and " + j;
            }
            case 10 -> { int i = r.nextInt(nodes); g.removeNode(i); return "remove node " + i; }
            case 11 -> { int i = r.nextInt(nodes); g.addNode(g.getNode(i)); return "duplicate node " + i; }
            case 12 -> {
                TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(inits));
                int dt = (int) pick(r, new long[] {0, 2, 6, 7, 10, 11, 16, 99, -5});
                t.setDataType(dt);
                return "data type of " + t.getName() + " -> " + dt;
            }
            case 13 -> {
                TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(inits));
                ByteString raw = t.getRawData();
                t.setRawData(raw.substring(0, raw.isEmpty() ? 0 : r.nextInt(raw.size())));
                return "truncate raw_data of " + t.getName();
            }
            case 14 -> { long v = pick(r, new long[] {1, 7, 10, 11, 13, 21, 22, 1000}); m.getOpsetImportBuilder(0).setVersion(v); return "opset -> " + v; }
            case 15 -> {
                var shape = g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
                if (r.nextBoolean() && shape.getDimCount() > 0) { shape.removeDim(r.nextInt(shape.getDimCount())); return "remove an input dim"; }
                int d = r.nextInt(Math.max(1, shape.getDimCount()));
                long v = pick(r, new long[] {0, -1, 1, 4});
                if (shape.getDimCount() > 0) shape.getDimBuilder(d).setDimValue(v);
                return "input dim " + d + " -> " + v;
            }
            case 16 -> {
                if (r.nextBoolean()) { g.clearOutput(); return "remove outputs"; }
                g.addOutput(g.getOutput(0)); return "second output";
            }
            case 17 -> {
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                if (n.getAttributeCount() == 0) return "no-op";
                String a = n.getAttribute(0).getName();
                n.removeAttribute(r.nextInt(n.getAttributeCount()));
                return "remove an attribute of " + n.getName() + " (first " + a + ")";
            }
            case 18 -> {
                NodeProto.Builder n = g.getNodeBuilder(r.nextInt(nodes));
                String to = pick(r, new String[] {"renamed", g.getInput(0).getName(), g.getInitializer(r.nextInt(inits)).getName(), ""});
                n.setOutput(0, to);
                return "output of " + n.getName() + " -> '" + to + "'";
            }
            default -> {
                TensorProto.Builder t = g.getInitializerBuilder(r.nextInt(inits));
                if (r.nextBoolean()) t.setDataLocation(TensorProto.DataLocation.EXTERNAL); else g.getNodeBuilder(r.nextInt(nodes)).setDomain("com.example");
                return "external data or foreign domain";
            }
        }
    }

    private static String changeAttribute(GraphProto.Builder g, Random r) {
        int nodes = g.getNodeCount();
        for (int k = 0; k < nodes; k++) {
            NodeProto.Builder n = g.getNodeBuilder((k + r.nextInt(nodes)) % nodes);
            if (n.getAttributeCount() == 0) continue;
            AttributeProto.Builder a = n.getAttributeBuilder(r.nextInt(n.getAttributeCount()));
            if (r.nextInt(8) == 0) {
                var type = AttributeProto.AttributeType.forNumber(1 + r.nextInt(8));
                a.setType(type);
                return "type of " + n.getName() + "." + a.getName() + " -> " + type;
            }
            switch (a.getType()) {
                case INT -> a.setI(pick(r, INTS));
                case INTS -> {
                    if (a.getIntsCount() > 0 && r.nextBoolean()) a.setInts(r.nextInt(a.getIntsCount()), pick(r, INTS));
                    else if (r.nextBoolean()) a.addInts(pick(r, INTS));
                    else a.clearInts();
                }
                case FLOAT -> a.setF(new float[] {Float.NaN, -1f, 0f, 1e30f, Float.NEGATIVE_INFINITY}[r.nextInt(5)]);
                case STRING -> a.setS(ByteString.copyFromUtf8(pick(r, STRINGS)));
                default -> a.setName("unknown_attribute");
            }
            return "attribute " + n.getName() + "." + a.getName() + " -> " + a.build().toString().replace('\n', ' ');
        }
        return "no attributes";
    }

    static long pick(Random r, long[] v) { return v[r.nextInt(v.length)]; }

    static <T> T pick(Random r, T[] v) { return v[r.nextInt(v.length)]; }
}
