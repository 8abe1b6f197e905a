package adabm.cli;

import adabm.backend.Backend;
import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.backend.TiledRunner;
import adabm.eval.Bicubic;
import adabm.eval.Metrics;
import adabm.graph.Graph;
import adabm.io.image.Images;
import adabm.io.onnx.OnnxImporter;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The main job on the built-in default: EDSR-8 x2 (ONNX, shipped in the jar) on three built-in",
                "public-domain/CC0 photos. Each photo is downscaled x2 with MATLAB-exact bicubic, upscaled back by the model",
                "and by bicubic, scored against the original (PSNR/SSIM on Y) and written as PNG."})
final class DemoCommand implements Callable<Integer> {
    static final String RESOURCES = "/adabm/default/";
    static final String MODEL = "edsr_baseline8_x2.onnx";
    static final List<String> IMAGES = List.of("astronaut.png", "chelsea.png", "coffee.png");

    @Option(names = "--out", defaultValue = "adabm-demo", description = "folder for the upscaled images (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--backend", description = "java | onednn (default: the fastest available)")
    String backend;

    @Option(names = "--threads", defaultValue = "0", description = "threads; 0 = all cores (default)")
    int threads;

    @Override public Integer call() throws Exception {
        Files.createDirectories(out);
        Path tmp = Files.createTempDirectory("adabm-demo");
        try {
            Graph g = OnnxImporter.load(extract(MODEL, tmp));
            int s = g.scale();
            Backend b = backend == null ? Backends.best() : Backends.get(backend);
            System.out.printf("model %s (x%d, %,d parameters) on backend %s%n%n", MODEL, s, g.parameterCount(), b.name());
            System.out.printf("%-14s %-9s %-17s %-17s %8s%n", "image", "LR size", "bicubic PSNR/SSIM", "EDSR PSNR/SSIM", "seconds");
            try (Plan plan = b.compile(g, new BackendOptions(threads))) {
                TiledRunner runner = new TiledRunner(plan, g, 256);
                for (String name : IMAGES) {
                    Tensor hr = Images.read(extract(name, tmp));
                    Tensor lr = Bicubic.downscale(hr, s);
                    long t0 = System.nanoTime();
                    Tensor sr = runner.run(lr);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    Metrics.Score bic = Metrics.score(Bicubic.upscale(lr, s), hr, s);
                    Metrics.Score edsr = Metrics.score(sr, hr, s);
                    String stem = name.substring(0, name.lastIndexOf('.'));
                    Images.writePng(lr, out.resolve(stem + "_lr.png"));
                    Images.writePng(sr, out.resolve(stem + "_x" + s + ".png"));
                    System.out.printf("%-14s %-9s %7.3f / %.4f  %7.3f / %.4f  %8.3f%n", stem, lr.w + "x" + lr.h,
                            bic.psnr(), bic.ssim(), edsr.psnr(), edsr.ssim(), seconds);
                }
            }
            System.out.printf("%nwrote <image>_lr.png and <image>_x%d.png to %s%n", s, out.toAbsolutePath());
        } finally {
            try (var files = Files.list(tmp)) { for (Path p : files.toList()) Files.deleteIfExists(p); }
            Files.deleteIfExists(tmp);
        }
        return 0;
    }

    private static Path extract(String resource, Path dir) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(RESOURCES + resource)) {
            if (in == null) throw new IOException("built-in resource " + RESOURCES + resource + " is missing from the jar");
            Path p = dir.resolve(resource);
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            return p;
        }
    }
}
