package adabm.io.onnx;

import adabm.ModelFormatException;
import adabm.UnsupportedOpException;
import adabm.io.onnx.proto.OnnxProto.AttributeProto;
import adabm.io.onnx.proto.OnnxProto.AttributeProto.AttributeType;
import adabm.io.onnx.proto.OnnxProto.NodeProto;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Typed access to one node's attributes. Attributes the importer does not know for the op are rejected rather than
 * ignored, since an ignored attribute could silently change the op's meaning.
 */
final class Attributes {
    private final String where;
    private final Map<String, AttributeProto> byName = new HashMap<>();

    /** @param where error prefix naming the file and node, e.g. "m.onnx: node 'c1' (Conv)" */
    Attributes(NodeProto node, String where, Set<String> known) {
        this.where = where;
        for (AttributeProto a : node.getAttributeList()) {
            if (!known.contains(a.getName()))
                throw new UnsupportedOpException(where + ": attribute '" + a.getName() + "' is not supported (known: " + known + ")");
            if (byName.put(a.getName(), a) != null)
                throw new ModelFormatException(where + ": attribute '" + a.getName() + "' is given twice");
        }
    }

    boolean has(String name) { return byName.containsKey(name); }

    long getInt(String name, long dflt) {
        AttributeProto a = typed(name, AttributeType.INT, AttributeProto::hasI);
        return a == null ? dflt : a.getI();
    }

    /** An int attribute that must lie in [min, max]. */
    int getInt(String name, int dflt, int min, int max) {
        long v = getInt(name, dflt);
        if (v < min || v > max)
            throw new ModelFormatException(where + ": attribute '" + name + "' = " + v + " is outside " + min + ".." + max);
        return (int) v;
    }

    /** Ints attribute, or null when absent. */
    long[] getInts(String name) {
        AttributeProto a = typed(name, AttributeType.INTS, x -> x.getIntsCount() > 0);
        if (a == null) return null;
        long[] v = new long[a.getIntsCount()];
        for (int i = 0; i < v.length; i++) v[i] = a.getInts(i);
        return v;
    }

    /** Floats attribute, or null when absent. */
    float[] getFloats(String name) {
        AttributeProto a = typed(name, AttributeType.FLOATS, x -> x.getFloatsCount() > 0);
        if (a == null) return null;
        float[] v = new float[a.getFloatsCount()];
        for (int i = 0; i < v.length; i++) v[i] = a.getFloats(i);
        return v;
    }

    float getFloat(String name, float dflt) {
        AttributeProto a = typed(name, AttributeType.FLOAT, AttributeProto::hasF);
        return a == null ? dflt : a.getF();
    }

    String getString(String name, String dflt) {
        AttributeProto a = typed(name, AttributeType.STRING, AttributeProto::hasS);
        return a == null ? dflt : a.getS().toString(StandardCharsets.UTF_8);
    }

    /** The attribute, checked to be of the expected type (files without the type field are judged by the value set). */
    private AttributeProto typed(String name, AttributeType expected, java.util.function.Predicate<AttributeProto> holdsValue) {
        AttributeProto a = byName.get(name);
        if (a == null) return null;
        boolean ok = a.hasType() && a.getType() != AttributeType.UNDEFINED ? a.getType() == expected : holdsValue.test(a);
        if (!ok)
            throw new ModelFormatException(where + ": attribute '" + name + "' has type " + a.getType() + ", expected " + expected);
        return a;
    }
}
