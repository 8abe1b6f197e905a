package adabm.cli;

import adabm.backend.ConvKernels;
import adabm.eval.Bicubic;
import adabm.eval.Dataset;
import adabm.graph.Graph;
import adabm.io.AtomicFiles;
import adabm.io.image.Images;
import adabm.io.onnx.OnnxImporter;
import adabm.quant.FakeQuantRunner;
import adabm.quant.ForwardHooks;
import adabm.quant.QuantMode;
import adabm.quant.QuantModel;
import adabm.quant.QuantSpec;
import adabm.quant.artifact.CalibrationSource;
import adabm.quant.artifact.QuantArtifact;
import adabm.quant.report.*;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The main job on the built-in default: AdaBM on EDSR-8 x2 (ONNX, shipped in the jar). Calibrates on 100",
                "random patches of three built-in public-domain images (no ground truth), fine-tunes the quantizers with the float",
                "model as teacher (10 epochs x 50 steps), then compares float32, MinMax, Percentile, AdaBM without and with",
                "fine-tuning on three other built-in photos (downscaled x2 with MATLAB-exact bicubic): PSNR/SSIM on Y, FAB, time.",
                "Writes the upscaled images, the quantized-model artifact and a per-tile bit map."})
final class DemoCommand implements Callable<Integer> {
    static final String RESOURCES = "/adabm/default/";
    static final String MODEL = "edsr_baseline8_x2.onnx";
    static final List<String> IMAGES = List.of("astronaut.png", "chelsea.png", "coffee.png");
    static final List<String> CALIBRATION = List.of("calib/rocket.jpg", "calib/hubble_deep_field.jpg", "calib/ihc.png");
    static final QuantSpec SPEC = new QuantSpec(4, 4, QuantMode.FQ);
    static final EnumSet<Variant> ROWS = EnumSet.of(Variant.FLOAT, Variant.MINMAX, Variant.PERCENTILE, Variant.ADABM, Variant.ADABM_FT);

    @Option(names = "--out", defaultValue = "adabm-demo", description = "folder for the images, the artifact and the bit map (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--epochs", defaultValue = "10", description = "fine-tuning epochs of 50 steps (default: ${DEFAULT-VALUE}, the paper's schedule)")
    int epochs;

    @Mixin KernelOptions kernel;

    @Override public Integer call() throws Exception {
        Files.createDirectories(out);
        Path tmp = Files.createTempDirectory("adabm-demo");
        try {
            Graph g = OnnxImporter.load(extract(MODEL, tmp));
            int s = g.scale();
            Dataset photos = demoDataset(tmp.resolve("photos"), s);
            Path calib = tmp.resolve("calib");
            for (String c : CALIBRATION) extract(c, tmp);
            Comparison.Settings settings = Comparison.Settings.defaults(g, SPEC).withRows(ROWS);
            settings = settings.withFineTuning(settings.fineTuning().withSize(epochs, settings.fineTuning().steps(), settings.fineTuning().batch())
                    .withThreads(kernel.threads()));
            System.out.printf("AdaBM %s on %s (x%d, %,d parameters); calibration: %d patches of %dx%d from %s%n%n", SPEC, MODEL, s,
                    g.parameterCount(), settings.patches(), settings.patchSize(), settings.patchSize(), String.join(", ", CALIBRATION));
            Comparison.Report report;
            try (ConvKernels kernels = kernel.open()) {
                report = Comparison.run(g, s, calib, photos, settings, kernels, kernel.threads(),
                        new CompareCommand.StderrProgress(System.err, settings, IMAGES.size()));
                System.out.println(ComparisonFormat.markdown(report));
                ComparisonRow adabm = report.row(Variant.ADABM_FT);
                QuantModel model = adabm.quantization().model();
                Path artifact = out.resolve("edsr_baseline8_x2_adabm_w4a4.json");
                QuantArtifact.write(artifact, model, new QuantArtifact.Description(QuantArtifact.Source.of(g, MODEL),
                        adabm.quantization().settings(), QuantArtifact.Provenance.of(adabm.quantization(), CalibrationSource.of(calib), Double.NaN)));
                writeImages(photos, s, model, kernels);
                Tensor lr = Images.read(photos.lrDir(s).resolve("astronautx" + s + ".png"));
                TileBitMap map = TileBitMap.compute(model, lr, 96);
                Path bitmap = out.resolve("astronaut_bitmap.png");
                BitMapPainter.Painting p = BitMapPainter.paint(lr, map, BitMapPainter.autoZoom(lr.h, lr.w), "astronaut LR - EDSR-8 x2 AdaBM " + SPEC);
                AtomicFiles.write(bitmap, p.canvas()::writePng);
                System.out.printf(Locale.ROOT, "per-image offsets (AdaBM): %s%n", adabm.evaluation().imageOffsets());
                System.out.printf("wrote to %s: <image>_lr.png, <image>_x%d_float.png, <image>_x%d_adabm.png, %s, %s%n",
                        out.toAbsolutePath(), s, s, artifact.getFileName(), bitmap.getFileName());
                System.out.printf("check the artifact: ./adabm eval --model <%s> --quant %s --data <a data set>%n", MODEL, artifact);
            }
        } finally {
            try (Stream<Path> walk = Files.walk(tmp)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        return 0;
    }

    /** The built-in photos as a data set: HR as shipped, LR by MATLAB-exact bicubic downscaling. */
    private static Dataset demoDataset(Path root, int scale) throws IOException {
        Files.createDirectories(root.resolve("HR"));
        Files.createDirectories(root.resolve("LR_bicubic/X" + scale));
        for (String name : IMAGES) {
            Path hr = extract(name, root.resolve("HR"));
            String stem = name.substring(0, name.lastIndexOf('.'));
            Images.writePng(Bicubic.downscale(Images.read(hr), scale), root.resolve("LR_bicubic/X" + scale).resolve(stem + "x" + scale + ".png"));
        }
        return Dataset.open(root);
    }

    /** LR input, float32 output and AdaBM output of each photo. */
    private void writeImages(Dataset photos, int s, QuantModel model, ConvKernels kernels) throws IOException {
        try (FakeQuantRunner runner = new FakeQuantRunner(model, kernels)) {
            for (String name : IMAGES) {
                String stem = name.substring(0, name.lastIndexOf('.'));
                Tensor lr = Images.read(photos.lrDir(s).resolve(stem + "x" + s + ".png"));
                Images.writePng(lr, out.resolve(stem + "_lr.png"));
                Images.writePng(runner.runFloat(lr, ForwardHooks.NONE).output(), out.resolve(stem + "_x" + s + "_float.png"));
                Images.writePng(runner.run(lr, ForwardHooks.NONE).output(), out.resolve(stem + "_x" + s + "_adabm.png"));
            }
        }
    }

    private static Path extract(String resource, Path dir) throws IOException {
        try (InputStream in = DemoCommand.class.getResourceAsStream(RESOURCES + resource)) {
            if (in == null) throw new IOException("built-in resource " + RESOURCES + resource + " is missing from the jar");
            Path p = dir.resolve(resource);
            Files.createDirectories(p.getParent());
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            return p;
        }
    }
}
