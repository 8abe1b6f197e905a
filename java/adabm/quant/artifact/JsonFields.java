package adabm.quant.artifact;

import adabm.ModelFormatException;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed, strict reads from one JSON object of an artifact: a missing field or a value of the wrong type is a
 * {@link ModelFormatException} naming the file and the field's path (e.g. {@code layers[3].u}).
 */
final class JsonFields {
    private final Path file;
    private final String path;
    private final JsonObject object;

    JsonFields(Path file, String path, JsonObject object) {
        this.file = file;
        this.path = path;
        this.object = object;
    }

    String path(String key) { return key.isEmpty() ? path : path.isEmpty() ? key : path + "." + key; }

    ModelFormatException error(String key, String what) {
        return new ModelFormatException(file + ": artifact field '" + path(key) + "' " + what);
    }

    private JsonElement present(String key) {
        JsonElement e = object.get(key);
        if (e == null || e.isJsonNull()) throw error(key, "is missing");
        return e;
    }

    boolean isNull(String key) { return object.get(key) == null || object.get(key).isJsonNull(); }

    JsonFields object(String key) {
        JsonElement e = present(key);
        if (!e.isJsonObject()) throw error(key, "must be an object");
        return new JsonFields(file, path(key), e.getAsJsonObject());
    }

    List<JsonFields> objects(String key) {
        JsonElement e = present(key);
        if (!e.isJsonArray()) throw error(key, "must be an array");
        JsonArray a = e.getAsJsonArray();
        List<JsonFields> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).isJsonObject()) throw error(key + "[" + i + "]", "must be an object");
            out.add(new JsonFields(file, path(key) + "[" + i + "]", a.get(i).getAsJsonObject()));
        }
        return out;
    }

    private JsonPrimitive primitive(String key) {
        JsonElement e = present(key);
        if (!e.isJsonPrimitive()) throw error(key, "must be a number, string or boolean");
        return e.getAsJsonPrimitive();
    }

    String string(String key) {
        JsonPrimitive p = primitive(key);
        if (!p.isString()) throw error(key, "must be a string");
        return p.getAsString();
    }

    boolean bool(String key) {
        JsonPrimitive p = primitive(key);
        if (!p.isBoolean()) throw error(key, "must be true or false");
        return p.getAsBoolean();
    }

    private BigDecimal decimal(String key) {
        JsonPrimitive p = primitive(key);
        if (!p.isNumber()) throw error(key, "must be a number");
        try {
            return new BigDecimal(p.getAsString());
        } catch (NumberFormatException e) {
            throw error(key, "is not a number: " + p.getAsString());
        }
    }

    long integer(String key) {
        try {
            return decimal(key).longValueExact();
        } catch (ArithmeticException e) {
            throw error(key, "must be an integer, got " + primitive(key).getAsString());
        }
    }

    int smallInteger(String key) {
        long v = integer(key);
        if (v != (int) v) throw error(key, "is out of range: " + v);
        return (int) v;
    }

    /** A double, exactly as written (Double.toString round-trips). */
    double number(String key) {
        decimal(key);
        double v = Double.parseDouble(primitive(key).getAsString());
        if (!Double.isFinite(v)) throw error(key, "is not a finite double: " + primitive(key).getAsString());
        return v;
    }

    /** A float, exactly as written (Float.toString round-trips). */
    float floatNumber(String key) {
        decimal(key);
        float v = Float.parseFloat(primitive(key).getAsString());
        if (!Float.isFinite(v)) throw error(key, "is not a finite float: " + primitive(key).getAsString());
        return v;
    }

    /** NaN where the field is null or absent (a parameter never set). */
    float optionalFloat(String key) { return isNull(key) ? Float.NaN : floatNumber(key); }

    double optionalNumber(String key) { return isNull(key) ? Double.NaN : number(key); }

    /** An object whose values are all strings, in file order. */
    Map<String, String> stringMap(String key) {
        JsonFields o = object(key);
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : o.object.keySet()) out.put(k, o.string(k));
        return out;
    }
}
