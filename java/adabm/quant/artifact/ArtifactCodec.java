package adabm.quant.artifact;

import adabm.ModelFormatException;
import adabm.graph.Graph;
import adabm.quant.*;
import adabm.quant.pipeline.QuantPipeline;
import adabm.quant.train.FineTuner;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.*;

/** The "artifact" object of a {@link QuantArtifact} file, both ways, with every read value checked. */
final class ArtifactCodec {
    private ArtifactCodec() { }

    static JsonObject encode(QuantModel m, QuantArtifact.Description d) {
        JsonObject a = new JsonObject();
        JsonObject src = new JsonObject();
        src.addProperty("file", d.source().file());
        src.addProperty("graph", d.source().graph());
        src.addProperty("scale", d.source().scale());
        src.addProperty("digest", d.source().digest());
        a.add("source", src);
        a.add("spec", spec(m.spec()));
        JsonArray layers = new JsonArray();
        for (LayerQuant q : m.layers()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", q.name());
            o.addProperty("role", q.role().jsonName());
            o.addProperty("kind", q.kind().jsonName());
            o.addProperty("weightBits", q.weightBits());
            o.addProperty("activationBits", q.baseActivationBits());
            o.add("l", number(q.lower()));
            o.add("u", number(q.upper()));
            o.add("uw", number(q.weightBound()));
            o.add("layerLogit", number(q.layerLogit()));
            o.addProperty("layerOffset", q.layerOffset());   // informative: derived from the logit
            layers.add(o);
        }
        a.add("layers", layers);
        JsonObject map = new JsonObject();
        map.addProperty("enabled", m.imageMap().enabled());
        map.add("tauLow", number(m.imageMap().tauLow()));
        map.add("tauHigh", number(m.imageMap().tauHigh()));
        a.add("imageMap", map);
        a.add("settings", settings(d.settings()));
        a.add("provenance", provenance(d.provenance()));
        return a;
    }

    private static JsonObject spec(QuantSpec s) {
        JsonObject o = new JsonObject();
        o.addProperty("weightBits", s.weightBits());
        o.addProperty("activationBits", s.activationBits());
        o.addProperty("mode", s.mode().name().toLowerCase(Locale.ROOT));
        JsonObject roles = new JsonObject();
        s.roleOverrides().forEach((p, r) -> roles.addProperty(p, r.jsonName()));
        o.add("roleOverrides", roles);
        JsonObject kinds = new JsonObject();
        s.kindOverrides().forEach((p, k) -> kinds.addProperty(p, k.jsonName()));
        o.add("kindOverrides", kinds);
        return o;
    }

    private static JsonObject settings(QuantPipeline.Settings s) {
        JsonObject o = new JsonObject();
        o.addProperty("method", s.method().name().toLowerCase(Locale.ROOT));
        o.addProperty("fineTune", s.fineTune());
        o.addProperty("patches", s.patches());
        o.addProperty("patchSize", s.patchSize());
        o.addProperty("seed", s.seed());
        JsonObject c = new JsonObject();
        c.addProperty("batch", s.calibration().batchSize());
        c.addProperty("pImage", s.calibration().pImage());
        c.addProperty("pLayer", s.calibration().pLayer());
        o.add("calibration", c);
        FineTuner.Options f = s.fineTuning();
        JsonObject ft = new JsonObject();
        ft.addProperty("epochs", f.epochs());
        ft.addProperty("steps", f.steps());
        ft.addProperty("batch", f.batch());
        ft.addProperty("seed", f.seed());
        ft.addProperty("lambdaBit", f.lambdaBit());
        ft.addProperty("lrWeight", f.lrWeight());
        ft.addProperty("lrActivation", f.lrActivation());
        ft.addProperty("lrLogit", f.lrLogit());
        ft.addProperty("lrTau", f.lrTau());
        ft.addProperty("decay", f.decay());
        ft.addProperty("threads", f.threads());
        ft.addProperty("clipping", f.clipping());
        ft.addProperty("logWeightBounds", f.logWeightBounds());
        o.add("fineTuning", ft);
        return o;
    }

    private static JsonObject provenance(QuantArtifact.Provenance p) {
        JsonObject o = new JsonObject();
        o.addProperty("tool", p.tool());
        o.addProperty("created", p.created());
        if (p.calibration() == null) {
            o.add("calibrationData", JsonNull.INSTANCE);
        } else {
            JsonObject c = new JsonObject();
            c.addProperty("folder", p.calibration().folder());
            c.addProperty("files", p.calibration().files());
            c.addProperty("digest", p.calibration().digest());
            o.add("calibrationData", c);
        }
        JsonObject sec = new JsonObject();
        sec.add("patches", number(p.patchSeconds()));
        sec.add("calibration", number(p.calibrationSeconds()));
        sec.add("fineTuning", number(p.fineTuneSeconds()));
        o.add("seconds", sec);
        o.add("calibrationFab", number(p.calibrationFab()));
        return o;
    }

    /** A finite number, or null for NaN (a parameter never set). */
    private static com.google.gson.JsonElement number(double v) {
        if (Double.isNaN(v)) return JsonNull.INSTANCE;
        if (Double.isInfinite(v)) throw new IllegalArgumentException("cannot store an infinite value in an artifact");
        return new JsonPrimitive(v);
    }

    private static com.google.gson.JsonElement number(float v) {
        if (Float.isNaN(v)) return JsonNull.INSTANCE;
        if (Float.isInfinite(v)) throw new IllegalArgumentException("cannot store an infinite value in an artifact");
        return new JsonPrimitive(v);   // written with Float.toString: parses back to the same float
    }

    // ---- reading ----

    static QuantArtifact.Description description(JsonFields a) {
        JsonFields src = a.object("source");
        QuantArtifact.Source source = new QuantArtifact.Source(src.string("file"), src.string("graph"), src.smallInteger("scale"), src.string("digest"));
        QuantSpec spec = spec(a.object("spec"));
        return new QuantArtifact.Description(source, settings(a.object("settings"), spec), provenance(a.object("provenance")));
    }

    private static QuantSpec spec(JsonFields s) {
        int wb = bits(s, "weightBits"), ab = bits(s, "activationBits");
        QuantMode mode = parse(s, "mode", QuantMode::parse);
        Map<String, LayerRole> roles = new LinkedHashMap<>();
        s.stringMap("roleOverrides").forEach((p, r) -> roles.put(p, role(s, "roleOverrides." + p, r)));
        Map<String, LayerKind> kinds = new LinkedHashMap<>();
        s.stringMap("kindOverrides").forEach((p, k) -> kinds.put(p, kind(s, "kindOverrides." + p, k)));
        return new QuantSpec(wb, ab, mode, roles, kinds);
    }

    private static int bits(JsonFields o, String key) {
        int b = o.smallInteger(key);
        if (b < Quantizers.MIN_BITS || b > Quantizers.MAX_BITS)
            throw o.error(key, "is " + b + " bits, outside " + Quantizers.MIN_BITS + ".." + Quantizers.MAX_BITS);
        return b;
    }

    private static LayerRole role(JsonFields o, String key, String text) { return named(o, key, text, LayerRole::parse); }

    private static LayerKind kind(JsonFields o, String key, String text) { return named(o, key, text, LayerKind::parse); }

    /** A role or kind name; the parser's message ("not a layer kind (...)") completes the field error. */
    private static <T> T named(JsonFields o, String key, String text, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw o.error(key, "is " + e.getMessage());
        }
    }

    private static <T> T parse(JsonFields o, String key, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(o.string(key));
        } catch (IllegalArgumentException e) {
            throw o.error(key, "is invalid: " + e.getMessage());
        }
    }

    private static QuantPipeline.Settings settings(JsonFields s, QuantSpec spec) {
        CalibrationMethod method = parse(s, "method", t -> CalibrationMethod.valueOf(t.toUpperCase(Locale.ROOT)));
        JsonFields c = s.object("calibration"), f = s.object("fineTuning");
        try {
            Calibrator.Options cal = new Calibrator.Options(c.smallInteger("batch"), c.number("pImage"), c.number("pLayer"));
            FineTuner.Options ft = new FineTuner.Options(f.smallInteger("epochs"), f.smallInteger("steps"), f.smallInteger("batch"),
                    f.integer("seed"), f.number("lambdaBit"), f.number("lrWeight"), f.number("lrActivation"), f.number("lrLogit"),
                    f.number("lrTau"), f.number("decay"), f.smallInteger("threads"), f.bool("clipping"),
                    FineTuner.Options.defaultTeacherCacheBytes(),   // memory, not a result: not stored
                    f.isNull("logWeightBounds") ? false : f.bool("logWeightBounds"));   // absent: written before the option existed
            return new QuantPipeline.Settings(spec, method, s.bool("fineTune"), s.smallInteger("patches"), s.smallInteger("patchSize"),
                    s.integer("seed"), cal, ft);
        } catch (IllegalArgumentException e) {
            throw s.error("", "holds an invalid value: " + e.getMessage());
        }
    }

    private static QuantArtifact.Provenance provenance(JsonFields p) {
        CalibrationSource cal = null;
        if (!p.isNull("calibrationData")) {
            JsonFields c = p.object("calibrationData");
            cal = new CalibrationSource(c.string("folder"), c.smallInteger("files"), c.string("digest"));
        }
        JsonFields sec = p.object("seconds");
        return new QuantArtifact.Provenance(p.string("tool"), p.string("created"), cal, sec.optionalNumber("patches"),
                sec.optionalNumber("calibration"), sec.optionalNumber("fineTuning"), p.optionalNumber("calibrationFab"));
    }

    /** Rebuilds the model on the graph; the stored layer table must equal the one the spec derives from the graph. */
    static QuantModel model(JsonFields a, Graph g, QuantSpec spec) {
        QuantModel m;
        try {
            m = QuantModel.create(g, spec);
        } catch (IllegalArgumentException e) {
            throw a.error("spec", "does not apply to graph " + g.name() + ": " + e.getMessage());
        }
        List<JsonFields> layers = a.objects("layers");
        List<LayerQuant> expected = List.copyOf(m.layers());
        if (layers.size() != expected.size())
            throw a.error("layers", "lists " + layers.size() + " convs, graph " + g.name() + " has " + expected.size());
        for (int i = 0; i < layers.size(); i++) {
            JsonFields o = layers.get(i);
            LayerQuant q = expected.get(i);
            String name = o.string("name");
            if (!name.equals(q.name())) throw o.error("name", "is '" + name + "', conv " + i + " of graph " + g.name() + " is '" + q.name() + "'");
            LayerRole role = role(o, "role", o.string("role"));
            LayerKind kind = kind(o, "kind", o.string("kind"));
            if (role != q.role()) throw o.error("role", "is " + role.jsonName() + ", but the graph and spec give conv " + name + " role " + q.role().jsonName());
            if (kind != q.kind()) {
                String hint = m.roles().cascadeFusion().contains(name) ? " (cascade fusion convs, as CARN's c1..c3, are fixed8 since"
                        + " 2026-11-30: quantize again, with --kind 'PATTERN=" + kind.jsonName() + "' over them to keep the old kind)" : "";
                throw o.error("kind", "is " + kind.jsonName() + ", but the graph and spec give conv " + name + " kind " + q.kind().jsonName() + hint);
            }
            int wb = bits(o, "weightBits"), ab = bits(o, "activationBits");
            if (wb != q.weightBits()) throw o.error("weightBits", "is " + wb + ", the spec gives conv " + name + " " + q.weightBits());
            if (ab != q.baseActivationBits()) throw o.error("activationBits", "is " + ab + ", the spec gives conv " + name + " " + q.baseActivationBits());
            if (kind.quantized())
                for (String k : new String[] {"l", "u", "uw"})
                    if (o.isNull(k)) throw o.error(k, "is missing: conv " + name + " is quantized, so l, u and uw are required");
            float l = o.optionalFloat("l"), u = o.optionalFloat("u"), uw = o.optionalFloat("uw");
            try {
                if (!Float.isNaN(l) || !Float.isNaN(u)) q.setActivationBounds(l, u);
                if (!Float.isNaN(uw)) q.setWeightBound(uw);
                q.setLayerLogit(o.floatNumber("layerLogit"));
            } catch (IllegalArgumentException e) {
                throw o.error("", "holds invalid quantizer parameters: " + e.getMessage());
            }
        }
        JsonFields map = a.object("imageMap");
        if (map.bool("enabled")) {
            try {
                m.imageMap().enable(map.number("tauLow"), map.number("tauHigh"));
            } catch (IllegalArgumentException e) {
                throw map.error("", "is invalid: " + e.getMessage());
            }
        }
        return m;
    }
}
