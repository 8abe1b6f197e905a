package adabm.eval;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonElement;
import java.util.List;

/** The outcome of evaluating one model on one data set at one scale. */
public record EvalResult(String model, String dataset, int scale, String backend, Mean mean, List<ImageResult> images) {

    /** Per-image PSNR (dB, Y), SSIM (Y) and the seconds the upscaler took on that image. */
    public record ImageResult(String name, double psnr, double ssim, double seconds) { }

    /** Means over images of the per-image values. */
    public record Mean(double psnr, double ssim, double seconds) {
        static Mean of(List<ImageResult> images) {
            double p = 0, s = 0, t = 0;
            for (ImageResult r : images) { p += r.psnr; s += r.ssim; t += r.seconds; }
            int n = images.size();
            return new Mean(p / n, s / n, t / n);
        }
    }

    /**
     * What a quantized model's evaluation adds per image: FAB (ADABM.md §7), the LR image's complexity (§3) and the
     * image offsets it ran at (one in whole-image mode, one per tile in patch mode).
     */
    public record QuantStats(double fab, double complexity, List<Integer> offsets) {
        public QuantStats { offsets = List.copyOf(offsets); }
    }

    public EvalResult {
        images = List.copyOf(images);
    }

    /**
     * {@code {"model","dataset","scale","backend","mean":{"psnr","ssim","seconds"},"images":[{"name","psnr","ssim","seconds"}]}},
     * pretty-printed. A non-finite value (PSNR of an exact reproduction is +∞) is written as null to keep valid JSON.
     */
    public String toJson() { return toJson(null, null); }

    /**
     * As {@link #toJson()}, plus {@code "fab"} (fractional average bit-width, ADABM.md §7) in "mean" and, with
     * {@code "complexity"} and {@code "offsets"}, in each image, for a quantized model's evaluation.
     */
    public String toJson(double meanFab, List<QuantStats> quant) {
        if (quant.size() != images.size()) throw new IllegalArgumentException(quant.size() + " FAB values for " + images.size() + " images");
        return toJson(Double.valueOf(meanFab), quant);
    }

    private String toJson(Double meanFab, List<QuantStats> quant) {
        JsonObject root = new JsonObject();
        root.addProperty("model", model);
        root.addProperty("dataset", dataset);
        root.addProperty("scale", scale);
        root.addProperty("backend", backend);
        JsonObject m = new JsonObject();
        m.add("psnr", number(mean.psnr));
        m.add("ssim", number(mean.ssim));
        m.add("seconds", number(mean.seconds));
        if (meanFab != null) m.add("fab", number(meanFab));
        root.add("mean", m);
        JsonArray list = new JsonArray();
        for (int i = 0; i < images.size(); i++) {
            ImageResult r = images.get(i);
            JsonObject o = new JsonObject();
            o.addProperty("name", r.name);
            o.add("psnr", number(r.psnr));
            o.add("ssim", number(r.ssim));
            o.add("seconds", number(r.seconds));
            if (quant != null) {
                QuantStats q = quant.get(i);
                o.add("fab", number(q.fab()));
                o.add("complexity", number(q.complexity()));
                JsonArray offsets = new JsonArray();
                q.offsets().forEach(offsets::add);
                o.add("offsets", offsets);
            }
            list.add(o);
        }
        root.add("images", list);
        return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(root);
    }

    private static JsonElement number(double v) { return Double.isFinite(v) ? new JsonPrimitive(v) : JsonNull.INSTANCE; }
}
