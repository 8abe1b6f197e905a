package adabm.quant;

import adabm.eval.Dataset;
import adabm.eval.EvalResult;
import adabm.eval.Evaluator;
import adabm.eval.Progress;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * PSNR/SSIM (via {@link Evaluator}) and FAB (ADABM.md §7) of a fake-quantized model on a data set, in whole-image
 * mode (each image gets its own image offset from the model's image map) or patch mode ({@link PatchedForward}:
 * each tile gets its own offset, image FAB = mean over tiles). Dataset FAB = mean over images; float = 32.
 */
public final class QuantEvaluation {
    private QuantEvaluation() { }

    /**
     * @param imageOffsets    each image's offset in whole-image mode; empty in patch mode (see tileOffsets)
     * @param tileOffsets     per image, the offsets of its tiles in {@link PatchTiles} order (one entry in whole-image mode)
     * @param imageComplexity per image, the {@link ImageComplexity} of the whole LR image (what its offset follows in
     *                        whole-image mode), so a report can show which images get more bits and why
     */
    public record Result(EvalResult eval, double fab, List<Double> imageFab, List<Integer> imageOffsets, List<List<Integer>> tileOffsets,
                         List<Double> imageComplexity) {

        /** Per image: FAB, LR complexity and image (or tile) offsets, for {@link EvalResult#toJson(double, List)}. */
        public List<EvalResult.QuantStats> stats() {
            List<EvalResult.QuantStats> out = new ArrayList<>();
            for (int i = 0; i < imageFab.size(); i++)
                out.add(new EvalResult.QuantStats(imageFab.get(i), imageComplexity.get(i), tileOffsets.get(i)));
            return out;
        }
    }

    /** Whole-image mode. */
    public static Result evaluate(FakeQuantRunner runner, Dataset dataset, int scale, boolean quantize, Progress progress) {
        return evaluate(runner, dataset, scale, quantize, 0, progress);
    }

    /** @param patch LR tile size for patch mode (96 in the paper); 0 = whole-image mode */
    public static Result evaluate(FakeQuantRunner runner, Dataset dataset, int scale, boolean quantize, int patch, Progress progress) {
        String label = runner.model().graph().name() + (quantize ? " " + runner.model().spec() : " float32");
        return evaluate(label, runner.kernels().name() + "-fakequant", dataset, scale, patch, progress,
                lr -> quantize ? runner.run(lr, ForwardHooks.NONE) : runner.runFloat(lr, ForwardHooks.NONE));
    }

    /**
     * The same evaluation over any forward of one image (the fake-quant runner, the integer plan, ...).
     * @param backend the backend name the result reports
     */
    public static Result evaluate(String label, String backend, Dataset dataset, int scale, int patch, Progress progress,
                                  Function<Tensor, FakeQuantRunner.Forward> forward) {
        return evaluate(label, backend, dataset, scale, patch, 1, progress, forward);
    }

    /** The same with up to patchBatch tiles per forward call in patch mode ({@link PatchedForward#runBatched}). */
    public static Result evaluate(String label, String backend, Dataset dataset, int scale, int patch, int patchBatch,
                                  Progress progress, Function<Tensor, FakeQuantRunner.Forward> forward) {
        if (patch < 0) throw new IllegalArgumentException("patch size must be positive (or 0 for whole images), got " + patch);
        List<Double> fabs = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        List<List<Integer>> tiles = new ArrayList<>();
        List<Double> complexity = new ArrayList<>();
        EvalResult r = Evaluator.evaluate(label + (patch > 0 ? " patch " + patch : ""), backend, dataset, scale, lr -> {
            complexity.add(ImageComplexity.of(lr, 0));
            if (patch > 0) {
                PatchedForward.Result p = PatchedForward.runBatched(forward, lr, patch, patchBatch);
                fabs.add(p.fab());
                tiles.add(p.tileOffsets());
                return p.output();
            }
            FakeQuantRunner.Forward f = forward.apply(lr);
            fabs.add(f.fab()[0]);
            offsets.add(f.imageOffsets()[0]);
            tiles.add(List.of(f.imageOffsets()[0]));
            return f.output();
        }, progress);
        double fab = fabs.stream().mapToDouble(Double::doubleValue).average().orElse(Fab.FLOAT);
        return new Result(r, fab, List.copyOf(fabs), List.copyOf(offsets), List.copyOf(tiles), List.copyOf(complexity));
    }
}
