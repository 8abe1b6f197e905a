package adabm.quant.report;

import adabm.eval.EvalResult;
import adabm.quant.train.FineTuner;
import com.google.gson.*;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The comparison as an aligned Markdown table, as CSV (one line per row) and as JSON with settings and provenance. */
public final class ComparisonFormat {
    static final List<String> CSV_COLUMNS = List.of("row", "method", "fine_tuned", "psnr_db", "ssim", "fab", "process_seconds", "eval_seconds");

    private ComparisonFormat() { }

    /** "EDSR x2, W4A4 fq on Set5 (calibration: 100 patches of 96x96 from DIR, seed 0; fine-tuning ...; backend java, 2 threads)". */
    public static String title(Comparison.Report r) {
        Comparison.Settings s = r.settings();
        String ft = s.rows().stream().anyMatch(v -> v.fineTuned)
                ? f("fine-tuning %d epochs x %d steps of %d patches, lambda_bit %s; ", s.fineTuning().epochs(), s.fineTuning().steps(),
                        s.fineTuning().batch(), s.fineTuning().lambdaBit())
                : "";
        return f("%s x%d, %s on %s (calibration: %d patches of %dx%d from %s, seed %d; %sbackend %s, %d threads)", r.model(), r.scale(),
                s.spec(), r.dataset(), s.patches(), s.patchSize(), s.patchSize(), r.calibrationFolder(), s.seed(), ft, r.backend(), r.threads());
    }

    public static String markdown(Comparison.Report r) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"Method", "FT", "PSNR (dB)", "SSIM", "FAB", "Process (s)", "Eval (s)"});
        for (ComparisonRow row : r.rows())
            cells.add(new String[] {row.variant().label, row.variant().method == null ? "-" : row.variant().fineTuned ? "yes" : "no",
                    f("%.3f", row.psnr()), f("%.4f", row.ssim()), f("%.2f", row.fab()), f("%.1f", row.processSeconds()), f("%.1f", row.evalSeconds())});
        int[] width = new int[cells.get(0).length];
        for (String[] c : cells) for (int i = 0; i < c.length; i++) width[i] = Math.max(width[i], c[i].length());
        StringBuilder b = new StringBuilder("**").append(title(r)).append("**\n\n");
        for (int line = 0; line < cells.size(); line++) {
            String[] c = cells.get(line);
            b.append('|');
            for (int i = 0; i < c.length; i++) {
                // text columns left, numbers right
                String cell = i < 2 ? pad(c[i], width[i], false) : pad(c[i], width[i], true);
                b.append(' ').append(cell).append(" |");
            }
            b.append('\n');
            if (line == 0) {
                b.append('|');
                for (int i = 0; i < width.length; i++) b.append(i < 2 ? ":" + "-".repeat(width[i] + 1) : "-".repeat(width[i] + 1) + ":").append('|');
                b.append('\n');
            }
        }
        if (r.calibrationPassSeconds() > 0)
            b.append(f("%nProcess time of each quantized row counts the shared patch sampling (%.1f s) and float calibration pass (%.1f s%s).%n",
                    r.patchSeconds(), r.calibrationPassSeconds(), r.percentileStatistics() ? ", with percentile statistics" : ""));
        return b.toString();
    }

    public static String csv(Comparison.Report r) {
        StringBuilder b = new StringBuilder(String.join(",", CSV_COLUMNS)).append('\n');
        for (ComparisonRow row : r.rows())
            b.append(String.join(",", row.variant().key, row.variant().label, row.variant().fineTuned ? "yes" : "no", f("%.4f", row.psnr()),
                    f("%.5f", row.ssim()), f("%.4f", row.fab()), f("%.3f", row.processSeconds()), f("%.3f", row.evalSeconds()))).append('\n');
        return b.toString();
    }

    /** Settings, provenance, and per row the means, seconds per stage and per-image PSNR/SSIM/FAB/offset. */
    public static String json(Comparison.Report r) {
        Comparison.Settings s = r.settings();
        FineTuner.Options ft = s.fineTuning();
        JsonObject root = new JsonObject();
        root.addProperty("title", title(r));
        root.addProperty("model", r.model());
        root.addProperty("scale", r.scale());
        root.addProperty("dataset", r.dataset());
        root.addProperty("calibration_folder", r.calibrationFolder().toString());
        JsonObject set = new JsonObject();
        set.addProperty("w_bits", s.spec().weightBits());
        set.addProperty("a_bits", s.spec().activationBits());
        set.addProperty("mode", s.spec().mode().name().toLowerCase(Locale.ROOT));
        set.addProperty("spec", s.spec().toString());
        set.addProperty("seed", s.seed());
        set.addProperty("patches", s.patches());
        set.addProperty("patch_size", s.patchSize());
        set.addProperty("calibration_batch", s.calibration().batchSize());
        set.addProperty("p_image", s.calibration().pImage());
        set.addProperty("p_layer", s.calibration().pLayer());
        set.addProperty("epochs", ft.epochs());
        set.addProperty("steps", ft.steps());
        set.addProperty("batch", ft.batch());
        set.addProperty("lambda_bit", ft.lambdaBit());
        root.add("settings", set);
        JsonObject prov = new JsonObject();
        prov.addProperty("backend", r.backend());
        prov.addProperty("threads", r.threads());
        prov.addProperty("date", r.date().toString());
        prov.addProperty("java", System.getProperty("java.version"));
        prov.addProperty("patch_seconds", r.patchSeconds());
        prov.addProperty("calibration_pass_seconds", r.calibrationPassSeconds());
        prov.addProperty("calibration_pass_with_percentiles", r.percentileStatistics());
        root.add("provenance", prov);
        JsonArray rows = new JsonArray();
        for (ComparisonRow row : r.rows()) rows.add(row(row));
        root.add("rows", rows);
        return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(root) + "\n";
    }

    private static JsonObject row(ComparisonRow row) {
        JsonObject o = new JsonObject();
        o.addProperty("row", row.variant().key);
        o.addProperty("method", row.variant().label);
        o.addProperty("fine_tuned", row.variant().fineTuned);
        o.add("psnr", number(row.psnr()));
        o.add("ssim", number(row.ssim()));
        o.add("fab", number(row.fab()));
        o.add("process_seconds", number(row.processSeconds()));
        o.add("eval_seconds", number(row.evalSeconds()));
        if (row.quantization() != null) {
            JsonObject st = new JsonObject();
            st.add("patches", number(row.quantization().patchSeconds()));
            st.add("calibration", number(row.quantization().calibrationSeconds()));
            st.add("clipping_and_fine_tuning", number(row.quantization().fineTuneSeconds()));
            o.add("stage_seconds", st);
            o.addProperty("fine_tuning_steps", row.quantization().steps().size());
        }
        JsonArray images = new JsonArray();
        List<EvalResult.ImageResult> ims = row.evaluation().eval().images();
        for (int i = 0; i < ims.size(); i++) {
            JsonObject im = new JsonObject();
            im.addProperty("name", ims.get(i).name());
            im.add("psnr", number(ims.get(i).psnr()));
            im.add("ssim", number(ims.get(i).ssim()));
            im.add("fab", number(row.evaluation().imageFab().get(i)));
            im.addProperty("image_offset", row.evaluation().imageOffsets().get(i));
            im.add("complexity", number(row.evaluation().imageComplexity().get(i)));
            images.add(im);
        }
        o.add("images", images);
        return o;
    }

    private static JsonElement number(double v) { return Double.isFinite(v) ? new JsonPrimitive(v) : JsonNull.INSTANCE; }

    private static String f(String format, Object... args) { return String.format(Locale.ROOT, format, args); }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(width - s.length());
        return right ? fill + s : s + fill;
    }
}
