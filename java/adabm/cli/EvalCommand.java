package adabm.cli;

import adabm.backend.Plan;
import adabm.backend.TiledRunner;
import adabm.eval.Dataset;
import adabm.eval.EvalResult;
import adabm.eval.Evaluator;
import adabm.graph.Graph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluates a model on a data set (HR/ and LR_bicubic/X{s}/<name>x{s}.png): PSNR and SSIM on Y",
                "(EDSR/AdaBM protocol: rounded SR, shave = scale) and seconds per image; prints a table, optionally JSON."})
final class EvalCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Option(names = "--data", required = true, description = "data set folder, e.g. ../shared/datasets/Set5")
    Path data;

    @Option(names = "--json", description = "also write the results as JSON to this file")
    Path json;

    @Override public Integer call() throws Exception {
        model.backend();   // an unknown or unavailable backend fails before any work
        Graph g = model.loadGraph();
        int scale = model.scale != null ? model.scale : g.scale();
        Dataset set = Dataset.open(data);
        EvalResult r;
        try (Plan plan = model.compile(g)) {
            TiledRunner runner = new TiledRunner(plan, g, model.tile);
            Progress progress = new Progress(System.err, "eval " + set.name(), set.pairs(scale).size());
            r = Evaluator.evaluate(model.model.getFileName().toString(), model.backend().name(), set, scale, runner::run,
                    (done, total, name) -> progress.step(done, name));
        }
        System.out.printf("%-16s %9s %8s %9s%n", "image", "PSNR(dB)", "SSIM", "seconds");
        for (EvalResult.ImageResult i : r.images())
            System.out.printf("%-16s %9.4f %8.5f %9.3f%n", i.name(), i.psnr(), i.ssim(), i.seconds());
        System.out.printf("%-16s %9.4f %8.5f %9.3f%n", "MEAN", r.mean().psnr(), r.mean().ssim(), r.mean().seconds());
        System.out.printf("(%s, %s x%d, backend %s)%n", r.model(), r.dataset(), r.scale(), r.backend());
        if (json != null) {
            if (json.toAbsolutePath().getParent() != null) Files.createDirectories(json.toAbsolutePath().getParent());
            Files.writeString(json, r.toJson());
            System.out.println("JSON: " + json);
        }
        return 0;
    }
}
