package adabm.quant;

import adabm.eval.Dataset;
import adabm.eval.EvalResult;
import adabm.eval.Evaluator;
import adabm.eval.Progress;
import java.util.ArrayList;
import java.util.List;

/**
 * PSNR/SSIM (via {@link Evaluator}, whole-image mode) and FAB (ADABM.md §7) of a fake-quantized model on a data set.
 * Each image gets its own image offset from the model's image map. Dataset FAB = mean over images; float = 32.
 */
public final class QuantEvaluation {
    private QuantEvaluation() { }

    public record Result(EvalResult eval, double fab, List<Double> imageFab, List<Integer> imageOffsets) { }

    public static Result evaluate(FakeQuantRunner runner, Dataset dataset, int scale, boolean quantize, Progress progress) {
        List<Double> fabs = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        String label = runner.model().graph().name() + (quantize ? " " + runner.model().spec() : " float32");
        EvalResult r = Evaluator.evaluate(label, "java-fakequant", dataset, scale, lr -> {
            FakeQuantRunner.Forward f = quantize ? runner.run(lr, ForwardHooks.NONE) : runner.runFloat(lr, ForwardHooks.NONE);
            fabs.add(f.fab()[0]);
            offsets.add(f.imageOffsets()[0]);
            return f.output();
        }, progress);
        double fab = fabs.stream().mapToDouble(Double::doubleValue).average().orElse(32);
        return new Result(r, fab, List.copyOf(fabs), List.copyOf(offsets));
    }
}
