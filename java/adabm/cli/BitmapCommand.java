package adabm.cli;

import adabm.AdabmException;
import adabm.backend.BackendUnavailableException;
import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import adabm.graph.Graph;
import adabm.io.ModelLoader;
import adabm.io.image.Images;
import adabm.quant.CalibrationMethod;
import adabm.quant.CalibrationPatches;
import adabm.quant.Calibrator;
import adabm.quant.FakeQuantRunner;
import adabm.quant.QuantMode;
import adabm.quant.QuantModel;
import adabm.quant.QuantSpec;
import adabm.quant.report.BitMapPainter;
import adabm.quant.report.TileBitMap;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bitmap", mixinStandardHelpOptions = true,
        description = {"Writes a PNG of the per-tile bit widths AdaBM gives a large LR image (like Fig. S2 of the AdaBM",
                "supplementary): patch-mode tiles tinted by image offset (-1 blue, 0 yellow, +1 red), with a legend of",
                "each offset's FAB, the mean tile FAB and the whole-image FAB. Also prints the offsets as a text grid.",
                "The quantized model comes from an artifact (--quant) or an AdaBM calibration on the fly (--calib)."})
final class BitmapCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model file: .onnx, or a PyTorch checkpoint .pt/.pth")
    Path model;

    @Option(names = "--scale", description = "upscaling factor (needed for multi-scale checkpoints; checked otherwise)")
    Integer scale;

    @Option(names = "--image", required = true, description = "LR image (PNG/JPEG/BMP)")
    Path image;

    @Option(names = "--out", required = true, description = "output PNG file")
    Path out;

    @Option(names = "--tile", defaultValue = "96", description = "patch-mode tile size in LR pixels, at least 8 (default: ${DEFAULT-VALUE})")
    int tile;

    @Option(names = "--zoom", defaultValue = "0", description = "nearest-neighbour zoom of the image in the PNG, 1..8; 0 = auto (default)")
    int zoom;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--quant", required = true, description = "quantized-model artifact written by `adabm quantize`")
        Path quant;

        @Option(names = "--calib", required = true, description = "calibrate AdaBM on the fly on this folder of LR images "
                + "(or a data set folder with LR_bicubic/X<scale>)")
        Path calib;
    }

    @Option(names = "--w-bits", defaultValue = "4", description = "weight bits with --calib (default: ${DEFAULT-VALUE})")
    int wBits;

    @Option(names = "--a-bits", defaultValue = "4", description = "base activation bits with --calib (default: ${DEFAULT-VALUE})")
    int aBits;

    @Option(names = "--mode", defaultValue = "fq", description = "fq | body, with --calib (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--patches", defaultValue = "100", description = "calibration patches with --calib (default: ${DEFAULT-VALUE})")
    int patches;

    @Option(names = "--patch-size", defaultValue = "96", description = "calibration patch size with --calib (default: ${DEFAULT-VALUE})")
    int patchSize;

    @Option(names = "--seed", defaultValue = "0", description = "calibration sampling seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--backend", defaultValue = "auto", description = "conv kernels for calibration: java | onednn | auto "
            + "(the fastest that has per-conv kernels; default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--threads", defaultValue = "0", description = "threads for calibration; 0 = all cores (default)")
    int threads;

    @Override public Integer call() throws Exception {
        // cheap checks first, before the model is loaded or calibrated
        if (tile < TileBitMap.MIN_TILE) throw new AdabmException("--tile must be at least " + TileBitMap.MIN_TILE + " pixels, got " + tile);
        if (zoom < 0 || zoom > 8) throw new AdabmException("--zoom must be 0 (auto) or 1..8, got " + zoom);
        Path outDir = out.toAbsolutePath().getParent();
        if (outDir == null || !Files.isDirectory(outDir)) throw new AdabmException(out + ": output folder does not exist");
        Tensor lr = Images.read(image);

        Graph g = ModelLoader.load(model, scale == null ? OptionalInt.empty() : OptionalInt.of(scale));
        QuantModel qm = source.quant != null ? loadQuantModel(g, source.quant) : calibrate(g);
        TileBitMap map = TileBitMap.compute(qm, lr, tile);

        int z = zoom == 0 ? BitMapPainter.autoZoom(lr.h, lr.w) : zoom;
        String title = (g.name() + " " + qm.spec()).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9.+:=()/% -]", " ");
        BitMapPainter.Painting p = BitMapPainter.paint(lr, map, z, title);
        writeAtomically(p, out);
        print(map, qm, p);
        return 0;
    }

    /**
     * The quantized-model artifact reader: the single seam where {@code --quant} is wired to
     * {@code adabm.quant.artifact.QuantArtifact} (written separately), which must check the artifact against {@code g}.
     */
    static QuantModel loadQuantModel(Graph g, Path artifact) {
        throw new AdabmException("--quant needs the artifact reader (" + artifact + "); use --calib DIR for now");
    }

    /** AdaBM calibration (ADABM.md §3–§4, no fine-tuning) on random patches of the calibration folder. */
    private QuantModel calibrate(Graph g) {
        QuantModel qm = QuantModel.create(g, new QuantSpec(wBits, aBits, QuantMode.parse(mode)));
        Path dir = calibrationFolder(source.calib, scale != null ? scale : g.scale());
        List<Tensor> ps = CalibrationPatches.sample(dir, patches, patchSize, seed);
        int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        System.err.printf(Locale.ROOT, "calibrating %s (%s) on %d patches of %dx%d from %s ...%n", g.name(), qm.spec(), ps.size(), patchSize, patchSize, dir);
        long t0 = System.nanoTime();
        try (ConvKernels k = convKernels(t); FakeQuantRunner r = new FakeQuantRunner(qm, k)) {
            Calibrator.calibrate(r, ps, CalibrationMethod.ADABM);
        }
        System.err.printf(Locale.ROOT, "calibrated in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return qm;
    }

    /** The named backend's conv kernels; "auto" takes the fastest backend's and falls back to the Java ones. */
    private ConvKernels convKernels(int threads) {
        if (!backend.equalsIgnoreCase("auto")) return Backends.get(backend).convKernels(threads);
        try {
            return Backends.best().convKernels(threads);
        } catch (BackendUnavailableException noPerConvKernels) {
            return Backends.get("java").convKernels(threads);
        }
    }

    /** A folder of LR images as given, or a data set folder's LR_bicubic/X{scale}. */
    static Path calibrationFolder(Path dir, int scale) {
        if (!Files.isDirectory(dir)) throw new AdabmException(dir + ": calibration folder does not exist");
        Path lr = dir.resolve("LR_bicubic").resolve("X" + scale);
        return Files.isDirectory(lr) ? lr : dir;
    }

    /** Writes next to the target and renames, so a failed run never leaves a half-written PNG. */
    private static void writeAtomically(BitMapPainter.Painting p, Path out) throws IOException {
        // not Files.createTempFile: its owner-only permissions would carry over to the PNG
        Path tmp = out.toAbsolutePath().resolveSibling("." + out.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            p.canvas().writePng(tmp);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void print(TileBitMap map, QuantModel qm, BitMapPainter.Painting p) {
        System.out.printf(Locale.ROOT, "image          %s  %dx%d LR, %d tiles of %dpx (%d rows x %d cols)%n", image.getFileName(),
                map.width(), map.height(), map.tiles().size(), map.tileSize(), map.rows(), map.cols());
        System.out.printf(Locale.ROOT, "model          %s  %s%s%n", qm.graph().name(), qm.spec(), qm.imageMap().enabled()
                ? String.format(Locale.ROOT, "  image thresholds tauLow %.3f tauHigh %.3f", qm.imageMap().tauLow(), qm.imageMap().tauHigh())
                : "  (image map off: every tile offset 0)");
        System.out.println("tile offsets   (- fewer bits, 0 base, + more bits)");
        for (String row : map.offsetGrid().split("\n")) System.out.println("  " + row);
        System.out.println("tiles          " + map.offsetCounts());
        StringBuilder fabs = new StringBuilder();
        for (Map.Entry<Integer, Double> e : map.fabByOffset().entrySet())
            fabs.append(String.format(Locale.ROOT, "%s%s %.3f", fabs.isEmpty() ? "" : "  ", TileBitMap.signed(e.getKey()), e.getValue()));
        System.out.println("FAB by offset  " + fabs);
        System.out.printf(Locale.ROOT, "mean tile FAB  %.4f (patch mode)%n", map.meanTileFab());
        System.out.printf(Locale.ROOT, "whole image    complexity %.3f  offset %s  FAB %.4f%n", map.imageComplexity(),
                TileBitMap.signed(map.imageOffset()), map.imageFab());
        System.out.printf(Locale.ROOT, "wrote          %s (%dx%d, zoom %d)%n", out, p.canvas().width, p.canvas().height, p.zoom());
    }
}
