package adabm.perf;

import adabm.backend.cuda.CudaTimes;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON of profiles: the one line a child process of `adabm profile` prints on stdout for its ISA level (parsed back by
 * the parent), and the file --json writes. Rows carry their derived values (GOPS, share of peak) for readers; parsing
 * reads the measured ones only.
 */
public final class ProfileJson {
    private ProfileJson() { }

    public static JsonObject toJson(IsaProfile p) {
        JsonObject o = new JsonObject();
        o.addProperty("isa", p.isa().envValue());
        o.addProperty("effective_isa", p.effectiveIsa());
        o.addProperty("cap_held", p.capHeld());
        o.addProperty("clock_hz", p.clockHz());
        o.addProperty("threads", p.threads());
        o.addProperty("repeats", p.repeats());
        o.addProperty("image", p.image());
        JsonArray runs = new JsonArray();
        for (PrecisionProfile r : p.runs()) runs.add(toJson(r));
        o.add("runs", runs);
        return o;
    }

    /** {"device", "repeats", "image", "runs": [{precision, total_ms, h2d_ms, compute_ms, d2h_ms, rows}]} */
    public static JsonObject toJson(GpuProfile p) {
        JsonObject o = new JsonObject();
        o.addProperty("device", p.device());
        o.addProperty("repeats", p.repeats());
        o.addProperty("image", p.image());
        JsonArray runs = new JsonArray();
        for (int i = 0; i < p.runs().size(); i++) {
            CudaTimes t = p.splits().get(i);
            JsonObject run = toJson(p.runs().get(i));
            run.addProperty("h2d_ms", t.h2dMs());
            run.addProperty("compute_ms", t.computeMs());
            run.addProperty("d2h_ms", t.d2hMs());
            runs.add(run);
        }
        o.add("runs", runs);
        return o;
    }

    /** {precision, total_ms, rows} */
    private static JsonObject toJson(PrecisionProfile r) {
        JsonObject run = new JsonObject();
        run.addProperty("precision", r.precision());
        run.addProperty("total_ms", r.totalMs());
        JsonArray rows = new JsonArray();
        for (LayerProfile l : r.rows()) rows.add(toJson(l));
        run.add("rows", rows);
        return run;
    }

    private static JsonObject toJson(LayerProfile l) {
        JsonObject o = new JsonObject();
        o.addProperty("op", l.op());
        o.addProperty("name", l.name());
        o.addProperty("kind", l.kind());
        o.addProperty("kernel", l.kernel());
        o.addProperty("geometry", l.geometry());
        o.addProperty("ms", l.ms());
        o.addProperty("macs", l.macs());
        o.addProperty("peak_ops_per_s", l.peakOpsPerS());
        if (l.conv()) {
            o.addProperty("gops", l.gops());
            if (l.peakOpsPerS() > 0) o.addProperty("peak_share", l.peakShare());   // GPU rows: peak not known
        }
        return o;
    }

    /** The child's stdout line. */
    public static String line(IsaProfile p) { return new Gson().toJson(toJson(p)); }

    public static String pretty(JsonElement e) { return new GsonBuilder().setPrettyPrinting().create().toJson(e) + "\n"; }

    /** Parses a child's profile; IllegalArgumentException naming what is missing or malformed. */
    public static IsaProfile parse(String json) {
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            List<PrecisionProfile> runs = new ArrayList<>();
            for (JsonElement re : o.getAsJsonArray("runs")) {
                JsonObject run = re.getAsJsonObject();
                List<LayerProfile> rows = new ArrayList<>();
                for (JsonElement le : run.getAsJsonArray("rows")) {
                    JsonObject l = le.getAsJsonObject();
                    rows.add(new LayerProfile(l.get("op").getAsInt(), l.get("name").getAsString(), l.get("kind").getAsString(),
                            l.get("kernel").getAsString(), l.get("geometry").getAsString(), l.get("ms").getAsDouble(),
                            l.get("macs").getAsLong(), l.get("peak_ops_per_s").getAsDouble()));
                }
                runs.add(new PrecisionProfile(run.get("precision").getAsString(), rows));
            }
            return new IsaProfile(IsaLevel.parse(o.get("isa").getAsString()), o.get("effective_isa").getAsString(),
                    o.get("clock_hz").getAsDouble(), o.get("threads").getAsInt(), o.get("repeats").getAsInt(),
                    o.get("image").getAsString(), runs);
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("malformed profile JSON: " + e.getMessage(), e);
        }
    }
}
