package adabm.cli;

import adabm.AdabmException;
import adabm.backend.ConvKernels;
import adabm.graph.Graph;
import adabm.io.AtomicFiles;
import adabm.io.image.Images;
import adabm.quant.CalibrationMethod;
import adabm.quant.CalibrationPatches;
import adabm.quant.Calibrator;
import adabm.quant.FakeQuantRunner;
import adabm.quant.QuantMode;
import adabm.quant.QuantModel;
import adabm.quant.QuantSpec;
import adabm.quant.artifact.QuantArtifact;
import adabm.quant.report.BitMapPainter;
import adabm.quant.report.TileBitMap;
import adabm.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bitmap", mixinStandardHelpOptions = true,
        description = {"Writes a PNG of the per-tile bit widths AdaBM gives a large LR image (like Fig. S2 of the AdaBM",
                "supplementary): patch-mode tiles tinted by image offset (-1 blue, 0 yellow, +1 red), with a legend of",
                "each offset's FAB, the mean tile FAB and the whole-image FAB. Also prints the offsets as a text grid.",
                "The quantized model comes from an artifact (--quant) or an AdaBM calibration on the fly (--calib)."})
final class BitmapCommand implements Callable<Integer> {
    @Mixin ModelFileOptions model;

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

    @Mixin KernelOptions kernel;   // for --calib

    @Spec CommandSpec spec;

    /** Options that only shape the on-the-fly calibration; the artifact of --quant already fixes all of them. */
    static final String[] CALIBRATION_ONLY = {"--w-bits", "--a-bits", "--mode", "--patches", "--patch-size", "--seed", "--backend", "--threads"};

    @Override public Integer call() throws Exception {
        // cheap checks first, before the model is loaded or calibrated
        if (tile < TileBitMap.MIN_TILE) throw new AdabmException("--tile must be at least " + TileBitMap.MIN_TILE + " pixels, got " + tile);
        if (zoom < 0 || zoom > 8) throw new AdabmException("--zoom must be 0 (auto) or 1..8, got " + zoom);
        OutputPaths.check("--out", out);
        if (source.quant != null)
            for (String o : CALIBRATION_ONLY)
                if (spec.commandLine().getParseResult().hasMatchedOption(o))
                    throw new AdabmException(o + " applies to --calib only; the artifact of --quant fixes the quantization");
        Tensor lr = Images.read(image);

        Graph g = model.load();
        QuantModel qm = source.quant != null ? QuantArtifact.load(source.quant, g) : calibrate(g);
        TileBitMap map = TileBitMap.compute(qm, lr, tile);

        int z = zoom == 0 ? BitMapPainter.autoZoom(lr.h, lr.w) : zoom;
        String title = (g.name() + " " + qm.spec()).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9.+:=()/% -]", " ");
        BitMapPainter.Painting p = BitMapPainter.paint(lr, map, z, title);
        AtomicFiles.write(out, p.canvas()::writePng);   // a failed run never leaves a half-written PNG
        print(map, qm, p);
        return 0;
    }

    /** AdaBM calibration (ADABM.md §3–§4, no fine-tuning) on random patches of the calibration folder. */
    private QuantModel calibrate(Graph g) {
        QuantModel qm = QuantModel.create(g, new QuantSpec(wBits, aBits, QuantMode.parse(mode)));
        Path dir = CalibrationFolders.resolve(source.calib, model.scale(g));
        List<Tensor> ps = CalibrationPatches.sample(dir, patches, patchSize, seed);
        System.err.printf(Locale.ROOT, "calibrating %s (%s) on %d patches of %dx%d from %s ...%n", g.name(), qm.spec(), ps.size(), patchSize, patchSize, dir);
        long t0 = System.nanoTime();
        try (ConvKernels k = kernel.open(); FakeQuantRunner r = new FakeQuantRunner(qm, k)) {
            Calibrator.calibrate(r, ps, CalibrationMethod.ADABM);
        }
        System.err.printf(Locale.ROOT, "calibrated in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return qm;
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
