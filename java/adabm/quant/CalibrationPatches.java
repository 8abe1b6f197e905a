package adabm.quant;

import adabm.AdabmException;
import adabm.io.image.Images;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Calibration data (ADABM.md §6): random square LR patches from a folder of images, each with a random horizontal
 * flip, vertical flip and transpose. Reproducible: the same folder, count, size and seed give the same patches.
 * Every regular, non-hidden file in the folder must be a readable image at least as large as the patch.
 */
public final class CalibrationPatches {
    public static final int DEFAULT_COUNT = 100, DEFAULT_SIZE = 96;

    private CalibrationPatches() { }

    public static List<Tensor> sample(Path folder, int count, int size, long seed) {
        if (count < 1) throw new IllegalArgumentException("patch count must be positive, got " + count);
        if (size < 1) throw new IllegalArgumentException("patch size must be positive, got " + size);
        List<Path> files = files(folder);
        List<Tensor> images = new ArrayList<>();
        for (Path f : files) {
            Tensor img = Images.read(f);
            if (img.h < size || img.w < size)
                throw new AdabmException(f + ": image is " + img.w + "x" + img.h + ", smaller than the " + size + "x" + size + " calibration patch");
            images.add(img);
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Tensor> patches = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Tensor img = images.get(rnd.nextInt(images.size()));
            int y0 = rnd.nextInt(img.h - size + 1), x0 = rnd.nextInt(img.w - size + 1);
            boolean hflip = rnd.nextBoolean(), vflip = rnd.nextBoolean(), transpose = rnd.nextBoolean();
            patches.add(crop(img, y0, x0, size, hflip, vflip, transpose));
        }
        return patches;
    }

    /** out[y][x] = img[y0 + sy][x0 + sx] where (sy, sx) = (x, y) if transposed, then flipped. */
    static Tensor crop(Tensor img, int y0, int x0, int size, boolean hflip, boolean vflip, boolean transpose) {
        Tensor out = new Tensor(1, img.c, size, size);
        for (int c = 0; c < img.c; c++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++) {
                    int sy = transpose ? x : y, sx = transpose ? y : x;
                    if (vflip) sy = size - 1 - sy;
                    if (hflip) sx = size - 1 - sx;
                    out.data[out.index(0, c, y, x)] = img.get(0, c, y0 + sy, x0 + sx);
                }
        return out;
    }

    /** The files sampling reads: every regular, non-hidden file of the folder, sorted; the folder must hold some. */
    public static List<Path> files(Path folder) {
        if (!Files.isDirectory(folder)) throw new AdabmException(folder + ": no such calibration image folder");
        try (Stream<Path> s = Files.list(folder)) {
            List<Path> files = s.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
            if (files.isEmpty()) throw new AdabmException(folder + ": calibration image folder is empty");
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }
}
