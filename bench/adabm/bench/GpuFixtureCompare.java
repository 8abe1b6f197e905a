package adabm.bench;

import adabm.eval.Dataset;
import adabm.eval.Metrics;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares one model's GPU outputs ({@code <gpuDir>/<model>.gpu.f32}: every image's NCHW float32 output, concatenated
 * in meta.txt order) with the CPU integer plan's ({@code <name>.cpu.f32}) and prints, per image and for the model:
 * identical 8-bit output pixels (clamp to 0..255, round half to even, as the int8 accuracy tests do), float values
 * that differ, max |difference|, and PSNR (Y channel, {@link Metrics}, against the data set's HR image) of both and
 * their difference. Issue 5 must-hold 1: at least 99.5% identical pixels and the mean PSNR within 0.01 dB.
 */
final class GpuFixtureCompare {
    static final double MIN_IDENTICAL = 0.995, PSNR_TOLERANCE_DB = 0.01;

    /** Counts over some images. */
    static final class Tally {
        long samePixels, differing, values, nonFinite;
        double maxAbs, psnrCpu, psnrGpu;
        int images;

        void add(Tally t) {
            samePixels += t.samePixels;
            differing += t.differing;
            values += t.values;
            nonFinite += t.nonFinite;
            maxAbs = Math.max(maxAbs, t.maxAbs);
            psnrCpu += t.psnrCpu;
            psnrGpu += t.psnrGpu;
            images += t.images;
        }

        double identical() { return values == 0 ? 0 : (double) samePixels / values; }

        double meanPsnrCpu() { return psnrCpu / images; }

        double meanPsnrGpu() { return psnrGpu / images; }

        double deltaPsnr() { return meanPsnrGpu() - meanPsnrCpu(); }

        String row(String label) {
            return String.format("  %-12s %9.4f%% %12d/%-10d %11.4g %10.4f %10.4f %+10.5f%s", label, identical() * 100, differing, values, maxAbs,
                    meanPsnrCpu(), meanPsnrGpu(), deltaPsnr(), nonFinite > 0 ? "  (" + nonFinite + " non-finite GPU values)" : "");
        }
    }

    /** 8-bit pixel as the accuracy tests convert it (Int8PlanTest.pixel). */
    static int pixel(float v) { return (int) Math.rint(Math.min(255f, Math.max(0f, v))); }

    /** Pixel and float differences of gpu against cpu (same length); PSNR is added by the caller. */
    static Tally differences(float[] cpu, float[] gpu, int gpuOffset) {
        Tally t = new Tally();
        for (int i = 0; i < cpu.length; i++) {
            float a = cpu[i], b = gpu[gpuOffset + i];
            if (!Float.isFinite(b)) t.nonFinite++;
            if (pixel(a) == pixel(b) && Float.isFinite(b)) t.samePixels++;
            if (!(a == b)) {
                t.differing++;
                double d = Math.abs((double) a - b);
                t.maxAbs = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(t.maxAbs, d);
            }
        }
        t.values = cpu.length;
        return t;
    }

    /** Prints the model's rows; returns its failures (empty when it passes). Totals are added to total. */
    static List<String> compare(String model, Path fixtureDir, Path gpuDir, Path datasetOverride, Tally total) throws IOException {
        List<String> failures = new ArrayList<>();
        GpuFixtureFiles.Meta meta = GpuFixtureFiles.readMeta(fixtureDir.resolve("meta.txt"));
        Path dataset = datasetOverride != null ? datasetOverride : Path.of(sourceField(fixtureDir.resolve("source.txt"), "dataset"));
        Path gpuFile = gpuDir.resolve(model + ".gpu.f32");
        System.out.printf("%s (x%d, %d images, HR from %s)%n", model, meta.scale(), meta.images().size(), dataset);
        if (!Files.isRegularFile(gpuFile)) {
            failures.add(model + ": no GPU output " + gpuFile);
            System.out.println("  missing " + gpuFile);
            return failures;
        }
        float[] gpu = GpuFixtureFiles.readF32(gpuFile);
        if (gpu.length != meta.outElements()) {
            failures.add(model + ": " + gpuFile + " holds " + gpu.length + " floats, meta.txt's images need " + meta.outElements());
            System.out.println("  " + failures.getLast());
            return failures;
        }
        System.out.printf("  %-12s %10s %23s %11s %10s %10s %10s%n", "image", "identical", "differing floats", "max|diff|", "PSNR cpu", "PSNR gpu", "delta dB");
        List<Dataset.ImagePair> pairs = Dataset.open(dataset).pairs(meta.scale());
        Tally model_ = new Tally();
        int offset = 0;
        for (GpuFixtureFiles.Image im : meta.images()) {
            float[] cpu = GpuFixtureFiles.readF32(fixtureDir.resolve(im.name() + ".cpu.f32"));
            if (cpu.length != im.outElements())
                throw new IOException(im.name() + ".cpu.f32 holds " + cpu.length + " floats, meta.txt says " + im.outElements());
            Tally t = differences(cpu, gpu, offset);
            Tensor hr = pairs.stream().filter(p -> p.name().equals(im.name())).findFirst()
                    .orElseThrow(() -> new IOException(dataset + " has no image " + im.name())).readHr();
            float[] gpuImage = java.util.Arrays.copyOfRange(gpu, offset, offset + cpu.length);
            t.psnrCpu = Metrics.psnr(new Tensor(1, im.outC(), im.outH(), im.outW(), cpu), hr, meta.scale());
            t.psnrGpu = Metrics.psnr(new Tensor(1, im.outC(), im.outH(), im.outW(), gpuImage), hr, meta.scale());
            t.images = 1;
            System.out.println(t.row(im.name()));
            model_.add(t);
            offset += cpu.length;
        }
        System.out.println(model_.row("all"));
        if (model_.nonFinite > 0) failures.add(model + ": " + model_.nonFinite + " non-finite GPU output values");
        if (model_.identical() < MIN_IDENTICAL)
            failures.add(String.format("%s: %.4f%% identical 8-bit pixels (< %.1f%%)", model, model_.identical() * 100, MIN_IDENTICAL * 100));
        if (!(Math.abs(model_.deltaPsnr()) <= PSNR_TOLERANCE_DB))
            failures.add(String.format("%s: PSNR GPU - CPU = %+.5f dB (tolerance %.2f)", model, model_.deltaPsnr(), PSNR_TOLERANCE_DB));
        total.add(model_);
        return failures;
    }

    /** The value of "key value" in the fixture's source.txt. */
    static String sourceField(Path file, String key) throws IOException {
        for (String line : Files.readAllLines(file))
            if (line.startsWith(key + " ")) return line.substring(key.length() + 1).trim();
        throw new IOException(file + ": no '" + key + "' line");
    }

    private GpuFixtureCompare() { }
}
