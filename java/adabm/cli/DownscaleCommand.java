package adabm.cli;

import adabm.eval.Downscaler;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "downscale", mixinStandardHelpOptions = true,
        description = "Makes LR_bicubic/X{s} from a folder of HR images with MATLAB-exact bicubic (imresize) downscaling.")
final class DownscaleCommand implements Callable<Integer> {
    @Option(names = "--hr", required = true, description = "folder of HR PNG images")
    Path hr;

    @Option(names = "--scale", required = true, description = "downscaling factor(s), e.g. --scale 2 --scale 4", arity = "1..*")
    int[] scales;

    @Option(names = "--out", description = "data set folder to write LR_bicubic/X{s}/<name>x{s}.png into (default: the parent of --hr)")
    Path out;

    @Override public Integer call() throws Exception {
        Path root = out != null ? out : hr.toAbsolutePath().getParent();
        for (int s : scales) {
            Path dir = root.resolve("LR_bicubic").resolve("X" + s);
            Progress bar = new Progress(System.err, "downscale x" + s, adabm.eval.Dataset.pngNames(hr).size());
            int n = Downscaler.downscaleFolder(hr, dir, s, (done, total, name) -> bar.step(done, name)).size();
            System.out.printf("x%d: wrote %d images to %s%n", s, n, dir);
        }
        return 0;
    }
}
