package adabm.quant.report;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestGraphs;
import adabm.backend.BackendOptions;
import adabm.backend.ConvKernels;
import adabm.backend.Plan;
import adabm.backend.ref.JavaConvKernels;
import adabm.backend.ref.ReferenceBackend;
import adabm.eval.Dataset;
import adabm.eval.EvalResult;
import adabm.eval.Evaluator;
import adabm.eval.Progress;
import adabm.graph.Graph;
import adabm.quant.*;
import adabm.quant.pipeline.QuantPipeline;
import adabm.quant.train.FineTuner;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The comparison on a tiny EDSR-like graph, tiny generated images and 1 epoch x 1 step of fine-tuning, run once for
 * the class; its rows are checked against independent runs (the reference backend's plan for float32, the quantization
 * pipeline run on its own for every quantized row).
 */
class ComparisonTest {
    static final int SCALE = 2;
    @TempDir static Path tmp;
    static Graph graph;
    static Path calib;
    static Dataset data;
    static Comparison.Settings settings;
    static Comparison.Report report;

    @BeforeAll static void runOnce() throws Exception {
        graph = TestGraphs.tinyEdsr(8, 2, SCALE, 7);
        calib = TinyData.folder(tmp.resolve("calib"), 2, 24, 28, 100);
        data = Dataset.open(TinyData.dataset(tmp.resolve("Tiny"), 2, 32, 40, SCALE, 200));
        settings = Comparison.Settings.defaults(graph, new QuantSpec(4, 4, QuantMode.FQ))
                .withPatches(4, 16).withSeed(3)
                .withFineTuning(FineTuner.Options.defaults().withSize(1, 1, 2));
        try (ConvKernels k = new JavaConvKernels(1)) {
            report = Comparison.run(graph, SCALE, calib, data, settings, k, 1, Comparison.Listener.NONE);
        }
    }

    @Test void everyRowInTableOrderWithItsOwnProcessTime() {
        assertEquals(List.of(Variant.values()), report.rows().stream().map(ComparisonRow::variant).toList());
        assertEquals(List.of("float32", "MinMax", "MinMax+FT", "Percentile", "Percentile+FT", "AdaBM (no FT)", "AdaBM"),
                report.rows().stream().map(r -> r.variant().label).toList());
        assertTrue(report.percentileStatistics());
        double shared = report.patchSeconds() + report.calibrationPassSeconds();
        for (ComparisonRow r : report.rows()) {
            assertTrue(Double.isFinite(r.psnr()) && r.psnr() > 5, r.toString());
            assertEquals(2, r.evaluation().eval().images().size());
            assertTrue(r.evalSeconds() > 0);
            if (r.variant().method == null) {
                assertNull(r.quantization());
                assertEquals(0, r.processSeconds());
                continue;
            }
            assertEquals(r.variant().fineTuned ? 1 : 0, r.quantization().steps().size(), r.variant().label);
            assertEquals(r.variant().method, r.quantization().calibration().method());
            assertTrue(r.processSeconds() >= shared, "each quantized row counts the shared sampling and pass: " + r);
            assertEquals(r.processSeconds(), r.quantization().totalSeconds(), 1e-12);
        }
    }

    @Test void floatRowMatchesTheReferencePlan() {
        ComparisonRow f = report.row(Variant.FLOAT);
        assertEquals(32.0, f.fab());
        EvalResult oracle;
        try (Plan plan = new ReferenceBackend().compile(graph, new BackendOptions(1))) {
            oracle = Evaluator.evaluate("tiny", "java", data, SCALE, plan, Progress.NONE);
        }
        // same float network, convs on another code path: outputs agree to float rounding, so PSNR on rounded pixels
        // can differ only where a value sits on a .5 boundary
        assertEquals(oracle.mean().psnr(), f.psnr(), 1e-3);
        assertEquals(oracle.mean().ssim(), f.ssim(), 1e-5);
    }

    @Test void everyQuantizedRowEqualsThePipelineRunAlone() {
        try (ConvKernels k = new JavaConvKernels(1)) {
            for (Variant v : Variant.values()) {
                if (v.method == null) continue;
                QuantPipeline.Result alone = QuantPipeline.run(graph, calib, settings.pipeline(v), k, QuantPipeline.Listener.NONE);
                QuantEvaluation.Result e;
                try (FakeQuantRunner r = new FakeQuantRunner(alone.model(), k)) {
                    e = QuantEvaluation.evaluate(r, data, SCALE, true, Progress.NONE);
                }
                ComparisonRow row = report.row(v);
                // same patches, same statistics, same deterministic clipping and steps: bit-identical models
                assertEquals(e.eval().mean().psnr(), row.psnr(), 0, v.label);
                assertEquals(e.eval().mean().ssim(), row.ssim(), 0, v.label);
                assertEquals(e.fab(), row.fab(), 0, v.label);
            }
        }
        // the methods really differ: otherwise the check above could not tell rows apart
        assertNotEquals(report.row(Variant.MINMAX).psnr(), report.row(Variant.ADABM).psnr());
        assertNotEquals(report.row(Variant.MINMAX).psnr(), report.row(Variant.PERCENTILE).psnr());
        assertNotEquals(report.row(Variant.ADABM).psnr(), report.row(Variant.ADABM_FT).psnr());
    }

    @Test void fixedBitBaselinesHaveTheBaseBits() {
        // FAB counts adaptive and fixed-base layers only (ADABM.md §7); the baselines have no maps, so every counted
        // layer runs at the base 4 bits on every image
        for (Variant v : List.of(Variant.MINMAX, Variant.PERCENTILE))
            assertEquals(List.of(4.0, 4.0), report.row(v).evaluation().imageFab(), v.label);
    }

    @Test void floatOnlyNeedsNoCalibrationImages() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Comparison.Report r;
        try (ConvKernels k = new JavaConvKernels(1)) {
            r = Comparison.run(graph, SCALE, empty, data, settings.withRows(EnumSet.of(Variant.FLOAT)), k, 1, Comparison.Listener.NONE);
        }
        assertEquals(1, r.rows().size());
        assertEquals(0, r.calibrationPassSeconds());
        assertEquals(report.row(Variant.FLOAT).psnr(), r.row(Variant.FLOAT).psnr(), 0);
    }

    @Test void formatsParseBack() {
        String md = ComparisonFormat.markdown(report);
        List<String> lines = md.lines().toList();
        assertTrue(lines.get(0).contains("tiny-edsr x2") && lines.get(0).contains("W4A4 fq") && lines.get(0).contains("on Tiny")
                && lines.get(0).contains(calib.toString()), lines.get(0));
        List<String> table = lines.stream().filter(l -> l.startsWith("|")).toList();
        assertEquals(2 + 7, table.size(), md);
        for (String l : table) assertEquals(table.get(0).length(), l.length(), "aligned:\n" + md);
        assertTrue(table.get(8).startsWith("| AdaBM "), table.get(8));

        List<String> csv = ComparisonFormat.csv(report).lines().toList();
        assertEquals(8, csv.size());
        assertEquals(String.join(",", ComparisonFormat.CSV_COLUMNS), csv.get(0));
        for (int i = 1; i < csv.size(); i++) {
            String[] c = csv.get(i).split(",", -1);
            assertEquals(ComparisonFormat.CSV_COLUMNS.size(), c.length, csv.get(i));
            ComparisonRow row = report.rows().get(i - 1);
            assertEquals(row.variant().key, c[0]);
            assertEquals(row.psnr(), Double.parseDouble(c[3]), 5e-5);
            assertEquals(row.fab(), Double.parseDouble(c[5]), 5e-5);
        }

        JsonObject o = JsonParser.parseString(ComparisonFormat.json(report)).getAsJsonObject();
        assertEquals(7, o.getAsJsonArray("rows").size());
        JsonObject s = o.getAsJsonObject("settings");
        assertEquals(3, s.get("seed").getAsLong());
        assertEquals(4, s.get("patches").getAsInt());
        assertEquals(16, s.get("patch_size").getAsInt());
        assertEquals(1, s.get("epochs").getAsInt());
        assertEquals(1, s.get("steps").getAsInt());
        assertEquals("java", o.getAsJsonObject("provenance").get("backend").getAsString());
        JsonObject ada = o.getAsJsonArray("rows").get(6).getAsJsonObject();
        assertEquals("adabm+ft", ada.get("row").getAsString());
        assertEquals(report.row(Variant.ADABM_FT).psnr(), ada.get("psnr").getAsDouble(), 0);
        assertEquals(2, ada.getAsJsonArray("images").size());
    }

    @Test void rowListParsing() {
        assertEquals(EnumSet.of(Variant.MINMAX, Variant.MINMAX_FT, Variant.ADABM, Variant.ADABM_FT), Variant.parse("adabm, minmax"));
        assertEquals(EnumSet.of(Variant.FLOAT, Variant.ADABM), Variant.parse("adabm-noft,float"));
        assertEquals(EnumSet.allOf(Variant.class), Variant.parse("all"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Variant.parse("adabm,kmeans"));
        assertTrue(e.getMessage().contains("kmeans"), e.getMessage());
    }
}
