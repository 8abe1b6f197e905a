package adabm.bench;

import adabm.backend.Backend;
import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import adabm.backend.Plan;
import adabm.backend.onednn.Int8Plan;
import adabm.backend.onednn.PlanEncoder;
import adabm.eval.Dataset;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.io.ModelLoader;
import adabm.quant.CalibrationMethod;
import adabm.quant.FakeQuantRunner;
import adabm.quant.ImageComplexity;
import adabm.quant.LayerQuant;
import adabm.quant.QuantMode;
import adabm.quant.QuantModel;
import adabm.quant.QuantSpec;
import adabm.quant.artifact.QuantArtifact;
import adabm.quant.pipeline.QuantPipeline;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Writes one model's GPU fixture (see {@link GpuFixtures}): the version-2 plan description, meta.txt, the bits per
 * image offset, and per image the LR input, the bits the CPU integer plan used and its output ({@link Int8Plan.Mode#EXACT}),
 * plus, for the chosen images, the float32 model's output on the oneDNN float plan (to check a float interpreter).
 */
final class GpuFixtureExport {
    /** Calibration without fine-tuning when no artifact is given: AdaBM, W4A4 fq, as the int8 accuracy test does. */
    static final int CALIBRATION_PATCHES = 16, CALIBRATION_PATCH_SIZE = 48;

    /** Which images also get the float plan's output: "smallest" (default), "all", "none" or a comma list of names. */
    record FloatImages(String choice) {
        boolean wants(String name, String smallest) {
            return switch (choice) {
                case "all" -> true;
                case "none" -> false;
                case "smallest" -> name.equals(smallest);
                default -> Set.of(choice.split(",")).contains(name);
            };
        }
    }

    private GpuFixtureExport() { }

    /** Exports modelFile (x its scale) on the data set into dir; artifact null = calibrate one here. */
    static void export(Path modelFile, Path artifact, Path dataset, Path kodak, Path dir, FloatImages floats, int threads) throws IOException {
        Graph g = ModelLoader.load(modelFile, OptionalInt.empty());
        int scale = g.scale();
        QuantModel qm = artifact != null ? QuantArtifact.load(artifact, g) : calibrate(g, kodak.resolve("LR_bicubic").resolve("X" + scale), threads);
        Files.createDirectories(dir);
        List<Op> ops = g.ops();

        byte[] plan;
        try (Arena arena = Arena.ofConfined()) {
            plan = PlanEncoder.encode(g, qm, arena).toArray(ValueLayout.JAVA_BYTE);
        }
        Files.write(dir.resolve("plan.bin"), plan);

        int[] byOffset = new int[3 * ops.size()];
        for (int o = -1; o <= 1; o++) System.arraycopy(bitsFor(qm, o, true), 0, byOffset, (o + 1) * ops.size(), ops.size());
        GpuFixtureFiles.writeI32(dir.resolve("bits_by_offset.i32"), byOffset);

        List<Dataset.ImagePair> pairs = Dataset.open(dataset).pairs(scale);
        List<Tensor> inputs = new ArrayList<>();
        for (Dataset.ImagePair pair : pairs) inputs.add(pair.readLr());
        String smallest = smallest(pairs, inputs);
        List<GpuFixtureFiles.Image> images = new ArrayList<>();
        Backend onednn = Backends.get("onednn");
        try (Int8Plan int8 = new Int8Plan(qm, threads, Int8Plan.Mode.EXACT);
             Plan fp32 = onednn.compile(g, new BackendOptions(threads))) {
            for (int k = 0; k < pairs.size(); k++) {
                Dataset.ImagePair pair = pairs.get(k);
                Tensor lr = inputs.get(k);
                FakeQuantRunner.Forward f = int8.run(lr);
                int offset = f.imageOffsets()[0];
                double complexity = ImageComplexity.of(lr, 0);
                if (offset != qm.imageMap().offset(complexity))   // the plan picks its offset from the same measure
                    throw new IllegalStateException(pair.name() + ": plan took offset " + offset + ", map says " + qm.imageMap().offset(complexity));
                Tensor out = f.output();
                GpuFixtureFiles.writeF32(dir.resolve(pair.name() + ".in.f32"), lr.data);
                GpuFixtureFiles.writeI32(dir.resolve(pair.name() + ".bits.i32"), bitsFor(qm, offset, false));
                GpuFixtureFiles.writeF32(dir.resolve(pair.name() + ".cpu.f32"), out.data);
                if (floats.wants(pair.name(), smallest))
                    GpuFixtureFiles.writeF32(dir.resolve(pair.name() + ".float.f32"), fp32.run(lr).data);
                images.add(new GpuFixtureFiles.Image(pair.name(), lr.c, lr.h, lr.w, out.c, out.h, out.w, offset, complexity));
                System.err.printf("  %s: %dx%d -> %dx%d, offset %+d, complexity %.3f%n", pair.name(), lr.w, lr.h, out.w, out.h, offset, complexity);
            }
        }
        GpuFixtureFiles.writeMeta(dir.resolve("meta.txt"), new GpuFixtureFiles.Meta(ops.size(), scale, qm.imageMap().enabled(),
                qm.imageMap().tauLow(), qm.imageMap().tauHigh(), images));
        Files.writeString(dir.resolve("source.txt"), "model " + modelFile.toAbsolutePath() + "\n"
                + "artifact " + (artifact != null ? artifact.toAbsolutePath() : "calibrated: AdaBM W4A4 fq, " + CALIBRATION_PATCHES + " Kodak24 patches of "
                + CALIBRATION_PATCH_SIZE + ", no fine-tuning") + "\n"
                + "dataset " + dataset.toAbsolutePath() + "\n", StandardCharsets.UTF_8);
    }

    /** AdaBM calibration and bit-aware clipping, no fine-tuning (adabm quantize --no-ft, fewer and smaller patches). */
    static QuantModel calibrate(Graph g, Path lrFolder, int threads) {
        QuantPipeline.Settings s = QuantPipeline.Settings.defaults(g, new QuantSpec(4, 4, QuantMode.FQ), CalibrationMethod.ADABM)
                .withFineTune(false).withPatches(CALIBRATION_PATCHES, CALIBRATION_PATCH_SIZE);
        try (ConvKernels kernels = Backends.get("onednn").convKernels(threads)) {
            return QuantPipeline.run(g, lrFolder, s, kernels, QuantPipeline.Listener.NONE).model();
        }
    }

    /**
     * Activation bits per op index for one image offset, as Int8Plan fills them: the layer's bits for quantized convs,
     * 0 for every other op. lenient: an offset whose bits fall outside 2..8 (possible only when the image map is
     * disabled, so the offset is never taken) gets the offset-0 bits instead of failing.
     */
    static int[] bitsFor(QuantModel qm, int imageOffset, boolean lenient) {
        List<Op> ops = qm.graph().ops();
        int[] bits = new int[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            if (!(ops.get(i) instanceof Op.Conv2d c)) continue;
            LayerQuant layer = qm.layer(c.name());
            if (!layer.kind().quantized()) continue;
            try {
                bits[i] = layer.activationBits(imageOffset);
            } catch (IllegalArgumentException e) {
                if (!lenient || qm.imageMap().enabled()) throw e;
                bits[i] = layer.activationBits(0);
            }
        }
        return bits;
    }

    /** The image with the fewest LR pixels (its float output is the cheapest check of a float interpreter). */
    private static String smallest(List<Dataset.ImagePair> pairs, List<Tensor> inputs) {
        int best = 0;
        for (int k = 1; k < inputs.size(); k++)
            if ((long) inputs.get(k).h * inputs.get(k).w < (long) inputs.get(best).h * inputs.get(best).w) best = k;
        return pairs.get(best).name();
    }
}
