package adabm.cli;

import adabm.backend.Plan;
import adabm.backend.TiledRunner;
import adabm.graph.Graph;
import adabm.io.image.ImageFiles;
import adabm.io.image.Images;
import adabm.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "upscale", mixinStandardHelpOptions = true,
        description = "Upscales an image, or every image in a folder, and writes PNGs.")
final class UpscaleCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Parameters(index = "0", description = "input image (PNG/JPEG/BMP) or folder of images")
    Path in;

    @Parameters(index = "1", description = "output PNG file, or output folder when the input is a folder")
    Path out;

    @Override public Integer call() throws Exception {
        model.backend();   // an unknown or unavailable backend fails before any work
        List<Path[]> jobs = new ArrayList<>();
        if (Files.isDirectory(in)) {
            Files.createDirectories(out);
            for (Path p : ImageFiles.list(in)) jobs.add(new Path[] {p, out.resolve(ImageFiles.baseName(p) + ".png")});
            if (jobs.isEmpty()) throw new IllegalArgumentException(in + ": no PNG/JPEG/BMP images in this folder");
        } else {
            if (out.getParent() != null) Files.createDirectories(out.getParent());
            jobs.add(new Path[] {in, out});
        }
        Graph g = model.loadGraph();
        try (Plan plan = model.compile(g)) {
            TiledRunner runner = new TiledRunner(plan, g, model.tile);
            Progress progress = new Progress(System.err, "upscale", jobs.size());
            int done = 0;
            for (Path[] job : jobs) {
                Tensor lr = Images.read(job[0]);
                Tensor sr = runner.run(lr);
                Images.writePng(sr, job[1]);
                progress.step(++done, job[1].getFileName().toString());
            }
        }
        return 0;
    }
}
