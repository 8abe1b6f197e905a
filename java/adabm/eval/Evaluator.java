package adabm.eval;

import adabm.AdabmException;
import adabm.ShapeException;
import adabm.backend.Plan;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Runs an upscaler over a data set at one scale and scores every image with {@link Metrics} (whole-image mode:
 * each LR goes through the upscaler in one piece). Seconds are the wall time of the upscaler call alone, not of
 * reading images or computing metrics.
 */
public final class Evaluator {
    private Evaluator() { }

    public static EvalResult evaluate(String model, String backend, Dataset dataset, int scale, Plan plan, Progress progress) {
        return evaluate(model, backend, dataset, scale, plan::run, progress);
    }

    public static EvalResult evaluate(String model, String backend, Dataset dataset, int scale,
                                      Function<Tensor, Tensor> upscaler, Progress progress) {
        List<Dataset.ImagePair> pairs = dataset.pairs(scale);
        List<EvalResult.ImageResult> results = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            Dataset.ImagePair pair = pairs.get(i);
            Tensor lr = pair.readLr();
            long start = System.nanoTime();
            Tensor sr = upscaler.apply(lr);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (sr.n != 1 || sr.c != 3 || sr.h != lr.h * scale || sr.w != lr.w * scale)
                throw new ShapeException(model + " on " + pair.lr() + ": output " + sr.shape() + ", expected "
                        + Tensor.shapeString(1, 3, lr.h * scale, lr.w * scale) + " (LR " + lr.shape() + " x" + scale + ")");
            if (hasNaN(sr)) throw new AdabmException(model + " on " + pair.lr() + ": output contains NaN");
            Metrics.Score score = Metrics.score(sr, pair.readHr(), scale);
            results.add(new EvalResult.ImageResult(pair.name(), score.psnr(), score.ssim(), seconds));
            progress.update(i + 1, pairs.size(), pair.name());
        }
        return new EvalResult(model, dataset.name(), scale, backend, EvalResult.Mean.of(results), results);
    }

    private static boolean hasNaN(Tensor t) {
        for (float v : t.data) if (Float.isNaN(v)) return true;
        return false;
    }
}
