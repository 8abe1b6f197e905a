package adabm.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adabm.ShapeException;
import adabm.backend.Plan;
import adabm.io.image.Images;
import adabm.tensor.Tensor;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluatorTest {
    @TempDir Path dir;
    Path set;

    /** A tiny set: two random 24×20 HR images and their x2 LR made by our downscaler. */
    @BeforeEach
    void makeSet() throws IOException {
        set = dir.resolve("Tiny");
        Files.createDirectories(set.resolve("HR"));
        Random r = new Random(3);
        for (String n : new String[]{"b_two", "a_one"}) {
            Tensor t = new Tensor(1, 3, 24, 20);
            for (int i = 0; i < t.data.length; i++) t.data[i] = r.nextInt(256);
            Images.writePng(t, set.resolve("HR/" + n + ".png"));
        }
        Downscaler.downscaleDataset(set, 2, Progress.NONE);
    }

    @Test
    void jsonHasExactlyTheAgreedShape() {
        EvalResult res = Evaluator.evaluate("bicubic", "java", Dataset.open(set), 2, Bicubic.upscaler(2), Progress.NONE);
        JsonObject o = JsonParser.parseString(res.toJson()).getAsJsonObject();
        assertEquals(List.of("model", "dataset", "scale", "backend", "mean", "images"), List.copyOf(o.keySet()));
        assertEquals("bicubic", o.get("model").getAsString());
        assertEquals("Tiny", o.get("dataset").getAsString());
        assertEquals(2, o.get("scale").getAsInt());
        assertEquals("java", o.get("backend").getAsString());
        JsonObject mean = o.getAsJsonObject("mean");
        assertEquals(List.of("psnr", "ssim", "seconds"), List.copyOf(mean.keySet()));
        JsonArray images = o.getAsJsonArray("images");
        assertEquals(2, images.size());
        double psnrSum = 0;
        for (int i = 0; i < 2; i++) {
            JsonObject im = images.get(i).getAsJsonObject();
            assertEquals(List.of("name", "psnr", "ssim", "seconds"), List.copyOf(im.keySet()));
            EvalResult.ImageResult r = res.images().get(i);
            assertEquals(r.name(), im.get("name").getAsString());
            assertEquals(r.psnr(), im.get("psnr").getAsDouble(), 0);   // doubles survive JSON exactly
            assertEquals(r.ssim(), im.get("ssim").getAsDouble(), 0);
            assertEquals(r.seconds(), im.get("seconds").getAsDouble(), 0);
            psnrSum += r.psnr();
        }
        assertEquals("a_one", images.get(0).getAsJsonObject().get("name").getAsString());
        assertEquals(psnrSum / 2, mean.get("psnr").getAsDouble(), 1e-12);
    }

    @Test
    void perImageValuesAreTheMetricsOfTheUpscalerOutput() {
        List<String> progress = new ArrayList<>();
        EvalResult res = Evaluator.evaluate("m", "b", Dataset.open(set), 2, Bicubic.upscaler(2),
                (done, total, name) -> progress.add(done + "/" + total + " " + name));
        assertEquals(List.of("1/2 a_one", "2/2 b_two"), progress);
        for (Dataset.ImagePair p : Dataset.open(set).pairs(2)) {
            Metrics.Score s = Metrics.score(Bicubic.upscale(p.readLr(), 2), p.readHr(), 2);
            EvalResult.ImageResult r = res.images().stream().filter(i -> i.name().equals(p.name())).findFirst().orElseThrow();
            assertEquals(s.psnr(), r.psnr(), 0);
            assertEquals(s.ssim(), r.ssim(), 0);
        }
    }

    @Test
    void secondsCountTheUpscalerCallOnly() {
        EvalResult res = Evaluator.evaluate("slow", "b", Dataset.open(set), 2, lr -> {
            try { Thread.sleep(30); } catch (InterruptedException e) { throw new RuntimeException(e); }
            return Bicubic.upscale(lr, 2);
        }, Progress.NONE);
        for (EvalResult.ImageResult r : res.images()) assertTrue(r.seconds() >= 0.03 && r.seconds() < 5, "seconds " + r.seconds());
        assertTrue(res.mean().seconds() >= 0.03);
    }

    @Test
    void planOverloadRunsThePlanAndLeavesItOpen() {
        boolean[] closed = {false};
        int[] runs = {0};
        Plan plan = new Plan() {
            @Override public Tensor run(Tensor input) { runs[0]++; return Bicubic.upscale(input, 2); }
            @Override public void close() { closed[0] = true; }
        };
        EvalResult viaPlan = Evaluator.evaluate("m", "b", Dataset.open(set), 2, plan, Progress.NONE);
        assertEquals(2, runs[0]);
        assertEquals(false, closed[0], "the caller owns the plan");
        assertEquals(Evaluator.evaluate("m", "b", Dataset.open(set), 2, Bicubic.upscaler(2), Progress.NONE).mean().psnr(),
                viaPlan.mean().psnr(), 0);
    }

    @Test
    void wrongOutputShapeNamesTheImage() {
        ShapeException e = assertThrows(ShapeException.class,
                () -> Evaluator.evaluate("bad", "b", Dataset.open(set), 2, lr -> Bicubic.upscale(lr, 3), Progress.NONE));
        assertTrue(e.getMessage().contains("a_onex2.png") && e.getMessage().contains("[1,3,24,20]"), e.getMessage());
    }

    @Test
    void nanOutputNamesTheImage() {
        adabm.AdabmException e = assertThrows(adabm.AdabmException.class, () -> Evaluator.evaluate("nan", "b", Dataset.open(set), 2,
                lr -> { Tensor t = Bicubic.upscale(lr, 2); t.data[5] = Float.NaN; return t; }, Progress.NONE));
        assertTrue(e.getMessage().contains("a_onex2.png") && e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void perfectReconstructionIsWrittenAsNullPsnr() {
        // the "upscaler" returns the HR itself: PSNR is +∞, which JSON cannot hold
        Dataset ds = Dataset.open(set);
        java.util.Iterator<Dataset.ImagePair> it = ds.pairs(2).iterator();
        EvalResult res = Evaluator.evaluate("oracle", "b", ds, 2, lr -> it.next().readHr(), Progress.NONE);
        assertEquals(Double.POSITIVE_INFINITY, res.mean().psnr());
        assertEquals(1.0, res.mean().ssim(), 1e-12);
        JsonObject o = JsonParser.parseString(res.toJson()).getAsJsonObject();
        assertTrue(o.getAsJsonObject("mean").has("psnr"), "the key stays, with null");
        assertTrue(o.getAsJsonObject("mean").get("psnr").isJsonNull());
        assertEquals(1.0, o.getAsJsonObject("mean").get("ssim").getAsDouble(), 1e-12);
    }
}
