package adabm.eval;

import adabm.io.image.Images;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes LR images the way the benchmark sets' were made: every {@code <name>.png} of an HR folder becomes
 * {@code <name>x<s>.png} in the LR folder via {@link Bicubic#downscale}. Output PNGs are 8-bit RGB (a greyscale HR
 * gives an RGB file with three equal channels, which reads back to the same tensor). Existing files are replaced.
 */
public final class Downscaler {
    private Downscaler() { }

    /** {@code <set>/HR} → {@code <set>/LR_bicubic/X<s>}. */
    public static List<Path> downscaleDataset(Path setDir, int scale, Progress progress) throws IOException {
        Dataset ds = Dataset.open(setDir);
        return downscaleFolder(ds.hrDir(), ds.lrDir(scale), scale, progress);
    }

    /** Writes the LR of every PNG in {@code hrDir} into {@code lrDir} (created if needed); returns the files written. */
    public static List<Path> downscaleFolder(Path hrDir, Path lrDir, int scale, Progress progress) throws IOException {
        if (scale < 1) throw new IllegalArgumentException("scale must be positive, got " + scale);
        List<String> names = Dataset.pngNames(hrDir);
        Files.createDirectories(lrDir);
        List<Path> written = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Path out = lrDir.resolve(name + "x" + scale + ".png");
            Images.writePng(Bicubic.downscale(Images.read(hrDir.resolve(name + ".png")), scale), out);
            written.add(out);
            progress.update(i + 1, names.size(), name);
        }
        return written;
    }
}
