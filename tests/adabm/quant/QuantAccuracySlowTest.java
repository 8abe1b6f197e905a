package adabm.quant;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestData;
import adabm.eval.Dataset;
import adabm.eval.Progress;
import adabm.graph.Graph;
import adabm.io.torch.TorchModels;
import adabm.tensor.Tensor;
import java.util.*;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Accuracy of fake quantization on real models without fine-tuning (Set5, whole images), measured against float32.
 * Calibration: 100 random 96x96 LR patches from Kodak24 (disjoint from Set5), seed 0. Prints its numbers.
 */
@Tag("slow")
class QuantAccuracySlowTest {
    static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

    static Graph carnM() { return TorchModels.load(TestData.model("carn_m.pth"), OptionalInt.of(4)); }

    static Graph edsr() { return TorchModels.load(TestData.model("edsr_baseline8_x2.pt"), OptionalInt.empty()); }

    static List<Tensor> calibrationPatches(int scale, int count) {
        return CalibrationPatches.sample(TestData.dataset("Kodak24/LR_bicubic/X" + scale), count, 96, 0);
    }

    record Row(String label, double psnr, double ssim, double fab, double seconds) {
        @Override public String toString() {
            return String.format(Locale.ROOT, "%-40s PSNR %.3f  SSIM %.4f  FAB %5.2f  calib %6.1f s", label, psnr, ssim, fab, seconds);
        }
    }

    /**
     * One calibration pass shared by every configuration (its time is added to each row's calibration time), then
     * per configuration: apply the method's bounds and maps, optionally bit-aware clipping on the first 2 patches
     * (what the first fine-tuning step would do), and evaluate on Set5.
     */
    static final class Bench {
        final Graph g; final int scale; final List<Tensor> patches; final CalibrationStats stats;
        final List<Row> rows = new ArrayList<>();

        Bench(Graph g, int scale, int count) {
            this.g = g;
            this.scale = scale;
            this.patches = calibrationPatches(scale, count);
            QuantModel any = QuantModel.create(g, new QuantSpec(8, 8, QuantMode.FQ));
            try (FakeQuantRunner r = new FakeQuantRunner(any, THREADS)) {
                stats = CalibrationStats.collect(r, patches, Calibrator.Options.defaults(), true);
            }
            System.out.printf(Locale.ROOT, "%s: calibration pass over %d patches: %.1f s%n", g.name(), count, stats.seconds());
        }

        /** method null: float32. */
        QuantEvaluation.Result run(QuantSpec spec, CalibrationMethod method, boolean clip) {
            QuantModel m = QuantModel.create(g, spec == null ? new QuantSpec(8, 8, QuantMode.FQ) : spec);
            try (FakeQuantRunner r = new FakeQuantRunner(m, THREADS)) {
                double secs = 0;
                if (method != null) {
                    secs = stats.apply(m, method).seconds();
                    if (clip) {
                        long t = System.nanoTime();
                        BitAwareClipping.apply(r, Calibrator.stack(patches.subList(0, 2)));
                        secs += (System.nanoTime() - t) / 1e9;
                    }
                }
                QuantEvaluation.Result res = QuantEvaluation.evaluate(r, Dataset.open(TestData.dataset("Set5")), scale, method != null, Progress.NONE);
                String label = g.name() + " x" + scale + " " + (method == null ? "float32" : spec + " " + method + (clip ? "+BAC" : ""));
                Row row = new Row(label, res.eval().mean().psnr(), res.eval().mean().ssim(), res.fab(), secs);
                System.out.println(row + "   per-image FAB " + res.imageFab() + " offsets " + res.imageOffsets());
                rows.add(row);
                return res;
            }
        }

        void table() {
            for (QuantSpec spec : new QuantSpec[] {new QuantSpec(4, 4, QuantMode.FQ), new QuantSpec(8, 6, QuantMode.BODY)}) {
                run(spec, CalibrationMethod.MINMAX, false);
                run(spec, CalibrationMethod.PERCENTILE, false);
                run(spec, CalibrationMethod.ADABM, false);
                run(spec, CalibrationMethod.ADABM, true);
            }
            System.out.println("==== " + g.name() + " x" + scale + " on Set5 (no fine-tuning)");
            rows.forEach(System.out::println);
            for (Row row : rows) assertTrue(Double.isFinite(row.psnr()) && row.psnr() > 10, row.toString());
        }
    }

    @Test
    void carnM_x4() {
        Bench b = new Bench(carnM(), 4, 100);
        double fp = b.run(null, null, false).eval().mean().psnr();
        QuantEvaluation.Result w8 = b.run(new QuantSpec(8, 8, QuantMode.FQ), CalibrationMethod.MINMAX, false);
        b.run(new QuantSpec(8, 8, QuantMode.BODY), CalibrationMethod.MINMAX, false);
        QuantEvaluation.Result w4 = b.run(new QuantSpec(4, 4, QuantMode.FQ), CalibrationMethod.MINMAX, false);
        // MinMax's weight bound max|W| costs most of the 8-bit loss; AdaBM's weight bound search (every conv at W8A8,
        // no maps) recovers it
        assertEquals(fp, w8.eval().mean().psnr(), 0.15, "W8A8 MinMax fake quantization should stay within ~0.1 dB of float32");
        QuantEvaluation.Result w8search = b.run(new QuantSpec(8, 8, QuantMode.FQ, Map.of(), Map.of("*", LayerKind.FIXED_BASE)),
                CalibrationMethod.ADABM, false);
        assertEquals(8.0, w8search.fab(), 0);
        assertEquals(fp, w8search.eval().mean().psnr(), 0.1, "W8A8 with searched weight bounds should be within 0.1 dB of float32");
        assertEquals(8.0, w8.fab(), 0);
        assertEquals(4.0, w4.fab(), 0);
        assertTrue(fp - w4.eval().mean().psnr() > 0.3, "W4A4 MinMax without fine-tuning should lose PSNR");

        QuantModel m = QuantModel.create(b.g, new QuantSpec(4, 4, QuantMode.FQ));
        b.stats.apply(m, CalibrationMethod.ADABM);
        QuantEvaluation.Result ada = b.run(new QuantSpec(4, 4, QuantMode.FQ), CalibrationMethod.ADABM, false);
        // before fine-tuning (no bit loss yet) Set5 is busier than the Kodak calibration patches, so FAB sits above 4
        assertEquals(4.0, ada.fab(), 0.75, "FAB of W4A4 AdaBM before fine-tuning");
        offsetsFollowComplexity(m);
        b.table();
    }

    @Test
    void edsr8_x2() {
        Bench b = new Bench(edsr(), 2, 100);
        b.run(null, null, false);
        b.table();
    }

    /** Image offsets of the 19 LR images of Set5 and Set14 rise with their complexity. */
    static void offsetsFollowComplexity(QuantModel m) {
        List<double[]> pts = new ArrayList<>();
        for (String set : new String[] {"Set5", "Set14"})
            for (Dataset.ImagePair p : Dataset.open(TestData.dataset(set)).pairs(4)) {
                double c = ImageComplexity.of(p.readLr(), 0);
                pts.add(new double[] {c, m.imageMap().offset(c)});
            }
        double rho = spearman(pts);
        Set<Double> distinct = new TreeSet<>();
        for (double[] p : pts) distinct.add(p[1]);
        System.out.printf(Locale.ROOT, "AdaBM W4A4: tau = [%.2f, %.2f], offsets over Set5+Set14 %s, Spearman(complexity, offset) = %.3f%n",
                m.imageMap().tauLow(), m.imageMap().tauHigh(), distinct, rho);
        assertTrue(distinct.size() >= 2, "real images should not all get the same offset");
        assertTrue(rho > 0.5, "offsets should rise with complexity, Spearman " + rho);
    }

    static double spearman(List<double[]> pts) {
        double[] a = ranks(pts, 0), b = ranks(pts, 1);
        double ma = Arrays.stream(a).average().orElse(0), mb = Arrays.stream(b).average().orElse(0);
        double num = 0, da = 0, db = 0;
        for (int i = 0; i < a.length; i++) { num += (a[i] - ma) * (b[i] - mb); da += Math.pow(a[i] - ma, 2); db += Math.pow(b[i] - mb, 2); }
        return num / Math.sqrt(da * db);
    }

    /** Average ranks (ties share their mean rank). */
    static double[] ranks(List<double[]> pts, int col) {
        Integer[] idx = new Integer[pts.size()];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, Comparator.comparingDouble(i -> pts.get(i)[col]));
        double[] r = new double[idx.length];
        for (int i = 0; i < idx.length; ) {
            int j = i;
            while (j + 1 < idx.length && pts.get(idx[j + 1])[col] == pts.get(idx[i])[col]) j++;
            for (int k = i; k <= j; k++) r[idx[k]] = (i + j) / 2.0 + 1;
            i = j + 1;
        }
        return r;
    }
}
