package adabm.perf;

import adabm.ShapeException;
import adabm.eval.Dataset;
import adabm.eval.Metrics;
import adabm.graph.Graph;
import adabm.tensor.Tensor;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Times several {@link BenchRow}s on the same whole LR images and scores their outputs. Per image, every row runs
 * {@code warmup} untimed passes (the first one's output gives PSNR/SSIM and FAB), then {@code repeats} timed passes,
 * the rows taking turns within each repeat so that machine noise hits them alike; the row keeps the median of its
 * repeats per image. Per row: ms_median = mean over images of those per-image medians, images/s and GMAC/s over their
 * sum (MACs from {@link Graph#macs}), PSNR/SSIM as `adabm eval` computes them, FAB as the mean over images.
 */
public final class BackendBench {
    private BackendBench() { }

    public record Settings(int warmup, int repeats, int threads) {
        public Settings {
            if (warmup < 1) throw new IllegalArgumentException("warm-up passes must be at least 1, got " + warmup);
            if (repeats < 1) throw new IllegalArgumentException("repeats must be positive, got " + repeats);
        }
    }

    public record Result(String backend, String precision, double msMedian, double imagesPerS, double gmacsPerS,
                         double psnr, double ssim, double fab, double[] imageMs) { }

    public static List<Result> run(List<? extends BenchRow> rows, Graph g, Dataset set, int scale, Settings s, PrintStream log) {
        List<Dataset.ImagePair> pairs = set.pairs(scale);
        int nr = rows.size(), ni = pairs.size();
        double[][] ms = new double[nr][ni], psnr = new double[nr][ni], ssim = new double[nr][ni], fab = new double[nr][ni];
        double totalMacs = 0;
        for (int i = 0; i < ni; i++) {
            Dataset.ImagePair pair = pairs.get(i);
            Tensor lr = pair.readLr(), hr = pair.readHr();
            totalMacs += g.macs(lr.h, lr.w);
            for (int r = 0; r < nr; r++) {
                BenchRow row = rows.get(r);
                BenchRow.Output first = row.run(lr);
                Tensor sr = first.sr();
                if (sr.n != 1 || sr.c != 3 || sr.h != lr.h * scale || sr.w != lr.w * scale)
                    throw new ShapeException(row.backend() + " " + row.precision() + " on " + pair.lr() + ": output " + sr.shape()
                            + ", expected " + Tensor.shapeString(1, 3, lr.h * scale, lr.w * scale));
                Metrics.Score score = Metrics.score(sr, hr, scale);
                psnr[r][i] = score.psnr();
                ssim[r][i] = score.ssim();
                fab[r][i] = first.fab();
                for (int w = 1; w < s.warmup(); w++) row.run(lr);
            }
            double[][] times = new double[nr][s.repeats()];
            for (int k = 0; k < s.repeats(); k++)
                for (int r = 0; r < nr; r++) {
                    long t0 = System.nanoTime();
                    rows.get(r).run(lr);
                    times[r][k] = (System.nanoTime() - t0) / 1e6;
                }
            for (int r = 0; r < nr; r++) ms[r][i] = median(times[r]);
            if (log != null) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-12s", pair.name()));
                for (int r = 0; r < nr; r++) line.append(String.format(Locale.ROOT, "  %s/%s %.1f ms", rows.get(r).backend(), rows.get(r).precision(), ms[r][i]));
                log.println(line);
            }
        }
        List<Result> out = new ArrayList<>();
        for (int r = 0; r < nr; r++) {
            double sum = Arrays.stream(ms[r]).sum();
            out.add(new Result(rows.get(r).backend(), rows.get(r).precision(), sum / ni, ni / (sum / 1e3), totalMacs / (sum / 1e3) / 1e9,
                    mean(psnr[r]), mean(ssim[r]), mean(fab[r]), ms[r].clone()));
        }
        return out;
    }

    public static String table(List<Result> results) {
        StringBuilder b = new StringBuilder(String.format("%-12s %-11s %11s %9s %9s %9s %8s %7s%n",
                "backend", "precision", "ms/image", "images/s", "GMAC/s", "PSNR", "SSIM", "FAB"));
        for (Result r : results)
            b.append(String.format(Locale.ROOT, "%-12s %-11s %11.1f %9.3f %9.2f %9.4f %8.5f %7.3f%n", r.backend(), r.precision(),
                    r.msMedian(), r.imagesPerS(), r.gmacsPerS(), r.psnr(), r.ssim(), r.fab()));
        return b.toString();
    }

    /** {"model", "dataset", "scale", "threads", "warmup", "repeats", "rows": [{backend, precision, ms_median, images_per_s, gmacs_per_s, psnr, ssim, fab, image_ms}]} */
    public static String json(List<Result> results, String model, String dataset, int scale, Settings s) {
        JsonObject root = new JsonObject();
        root.addProperty("model", model);
        root.addProperty("dataset", dataset);
        root.addProperty("scale", scale);
        root.addProperty("threads", s.threads());
        root.addProperty("warmup", s.warmup());
        root.addProperty("repeats", s.repeats());
        JsonArray rows = new JsonArray();
        for (Result r : results) {
            JsonObject o = new JsonObject();
            o.addProperty("backend", r.backend());
            o.addProperty("precision", r.precision());
            o.addProperty("ms_median", r.msMedian());
            o.addProperty("images_per_s", r.imagesPerS());
            o.addProperty("gmacs_per_s", r.gmacsPerS());
            o.addProperty("psnr", r.psnr());
            o.addProperty("ssim", r.ssim());
            o.addProperty("fab", r.fab());
            JsonArray im = new JsonArray();
            for (double v : r.imageMs()) im.add(v);
            o.add("image_ms", im);
            rows.add(o);
        }
        root.add("rows", rows);
        return new GsonBuilder().setPrettyPrinting().create().toJson(root) + "\n";
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    private static double mean(double[] v) { return Arrays.stream(v).average().orElse(Double.NaN); }
}
