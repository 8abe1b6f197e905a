package adabm.quant.artifact;

import adabm.ModelFormatException;
import adabm.Version;
import adabm.graph.Graph;
import adabm.graph.GraphDigest;
import adabm.io.AtomicFiles;
import adabm.quant.LayerQuant;
import adabm.quant.QuantModel;
import adabm.quant.pipeline.QuantPipeline;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * A quantized model on disk: one UTF-8 JSON file holding everything needed to rebuild the {@link QuantModel} of a
 * given float graph bit for bit, plus how it was made. Layout (format version 1):
 * <pre>
 * {"format": "adabm-quant-artifact", "version": 1, "description": "...", "checksum": "sha256:...",
 *  "artifact": {"source": {...}, "spec": {...}, "layers": [...], "imageMap": {...}, "settings": {...}, "provenance": {...}}}
 * </pre>
 * The checksum is the SHA-256 of the compact JSON of "artifact", so truncation or an edited value is caught.
 * Floats are written with {@link Float#toString} / {@link Double#toString}, which parse back to the same bits.
 * The source digest ({@link GraphDigest}) ties the artifact to the exact float graph it was made from.
 */
public final class QuantArtifact {
    public static final String FORMAT = "adabm-quant-artifact";
    public static final int VERSION = 1;
    static final String DESCRIPTION = "AdaBM quantized model: per-conv quantizer parameters and bit maps for the float model "
            + "named in artifact.source (matched by digest); run it with: adabm eval --model <that model> --quant <this file>";
    private static final long MAX_BYTES = 64L << 20;

    /** The float model the artifact belongs to. */
    public record Source(String file, String graph, int scale, String digest) {
        public static Source of(Graph g, String file) { return new Source(file, g.name(), g.scale(), GraphDigest.of(g)); }
    }

    /** How and when it was made; calibration is null when the patches did not come from a folder. */
    public record Provenance(String tool, String created, CalibrationSource calibration, double patchSeconds,
                             double calibrationSeconds, double fineTuneSeconds, double calibrationFab) {
        public static Provenance of(QuantPipeline.Result r, CalibrationSource calibration, double calibrationFab) {
            return new Provenance(Version.TEXT, Instant.now().toString(), calibration, r.patchSeconds(), r.calibrationSeconds(),
                    r.fineTuneSeconds(), calibrationFab);
        }
    }

    /** Everything but the quantizer state: readable without the float model. */
    public record Description(Source source, QuantPipeline.Settings settings, Provenance provenance) { }

    public record Loaded(QuantModel model, Description description) { }

    private QuantArtifact() { }

    /** Writes the artifact atomically (temporary file + rename); every quantized layer must be calibrated. */
    public static void write(Path file, QuantModel model, Description d) {
        if (!d.source().digest().equals(GraphDigest.of(model.graph())))
            throw new IllegalArgumentException("artifact source digest " + d.source().digest() + " is not the digest of graph " + model.graph().name());
        if (!d.settings().spec().equals(model.spec()))
            throw new IllegalArgumentException("settings spec " + d.settings().spec() + " differs from the model's " + model.spec());
        for (LayerQuant q : model.layers())
            if (q.kind().quantized() && !q.calibrated())
                throw new IllegalArgumentException("layer " + q.name() + " is not calibrated: nothing to save");
        JsonObject artifact = ArtifactCodec.encode(model, d);
        JsonObject root = new JsonObject();
        root.addProperty("format", FORMAT);
        root.addProperty("version", VERSION);
        root.addProperty("description", DESCRIPTION);
        root.addProperty("checksum", checksum(artifact));
        root.add("artifact", artifact);
        String text = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(root) + "\n";
        AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The quantized model of {@code source} stored in the file. */
    public static QuantModel load(Path file, Graph source) { return read(file, source, source.name()).model(); }

    /**
     * Reads and checks the artifact against the float graph it is for.
     * @param sourceLabel how to name the graph in errors (usually its file)
     */
    public static Loaded read(Path file, Graph source, String sourceLabel) {
        JsonFields a = open(file);
        Description d = ArtifactCodec.description(a);
        String digest = GraphDigest.of(source);
        if (!d.source().digest().equals(digest))
            throw new ModelFormatException(file + ": artifact was made from model " + d.source().file() + " (graph " + d.source().graph()
                    + " x" + d.source().scale() + ", digest " + d.source().digest() + "), not " + sourceLabel + " (graph " + source.name()
                    + ", digest " + digest + ")");
        return new Loaded(ArtifactCodec.model(a, source, d.settings().spec()), d);
    }

    /** Source, settings and provenance, without the float model. */
    public static Description describe(Path file) { return ArtifactCodec.description(open(file)); }

    /** Parses the file, checks format, version and checksum; returns the "artifact" object. */
    private static JsonFields open(Path file) {
        String text;
        try {
            if (!Files.isRegularFile(file)) throw new ModelFormatException(file + ": no such artifact file");
            if (Files.size(file) > MAX_BYTES) throw new ModelFormatException(file + ": " + Files.size(file) + " bytes is too large for an artifact");
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(file + ": not an adabm artifact (not UTF-8 text)");
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read artifact: " + e.getMessage(), e);
        }
        JsonElement parsed;
        try (JsonReader r = new JsonReader(new StringReader(text))) {
            r.setStrictness(Strictness.STRICT);
            parsed = new Gson().getAdapter(JsonElement.class).read(r);
            if (r.peek() != JsonToken.END_DOCUMENT) throw new ModelFormatException(file + ": artifact has data after the JSON document");
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new ModelFormatException(file + ": not a complete adabm artifact (truncated or corrupt JSON: " + e.getMessage() + ")", e);
        }
        if (parsed == null || !parsed.isJsonObject()) throw new ModelFormatException(file + ": not an adabm artifact (no JSON object)");
        JsonFields root = new JsonFields(file, "", parsed.getAsJsonObject());
        if (root.isNull("format") || !FORMAT.equals(root.string("format")))
            throw new ModelFormatException(file + ": not an adabm quantized-model artifact (no \"format\": \"" + FORMAT + "\")");
        long version = root.integer("version");
        if (version != VERSION)
            throw new ModelFormatException(file + ": artifact format version " + version + " is not supported (this " + Version.TEXT
                    + " reads version " + VERSION + ")");
        JsonObject artifact = parsed.getAsJsonObject().getAsJsonObject("artifact");
        JsonFields a = root.object("artifact");
        String expected = root.string("checksum"), actual = checksum(artifact);
        if (!expected.equals(actual))
            throw new ModelFormatException(file + ": artifact checksum mismatch (file says " + expected + ", content is " + actual
                    + "): the file is corrupt or was edited");
        return a;
    }

    /** SHA-256 of the compact JSON text of an element (parsed numbers keep their text, so this is stable across a round trip). */
    static String checksum(JsonElement e) {
        String compact = new GsonBuilder().serializeNulls().disableHtmlEscaping().create().toJson(e);
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(compact.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("the JDK has no SHA-256", ex);
        }
    }
}
