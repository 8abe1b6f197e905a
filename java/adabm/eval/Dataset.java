package adabm.eval;

import adabm.io.image.ImageSize;
import adabm.io.image.Images;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A benchmark set in the EDSR-PyTorch layout: {@code <root>/HR/<name>.png} and
 * {@code <root>/LR_bicubic/X<s>/<name>x<s>.png}. The set's name is the folder's name.
 */
public final class Dataset {
    private final Path root;

    private Dataset(Path root) { this.root = root; }

    /** Opens a data set folder; it must contain an {@code HR} folder. */
    public static Dataset open(Path root) {
        Path r = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(r)) throw new DatasetException(root + ": no such data set folder");
        if (!Files.isDirectory(r.resolve("HR"))) throw new DatasetException(root + ": not a data set folder (no HR/ inside)");
        return new Dataset(r);
    }

    public Path root() { return root; }

    public String name() { return root.getFileName().toString(); }

    public Path hrDir() { return root.resolve("HR"); }

    public Path lrDir(int scale) { return root.resolve("LR_bicubic").resolve("X" + scale); }

    /** One HR image and its LR at the chosen scale. */
    public record ImagePair(String name, Path hr, Path lr) {
        public Tensor readHr() { return Images.read(hr); }

        public Tensor readLr() { return Images.read(lr); }
    }

    /** Names (file names less ".png") of the PNG files in {@code dir}, in name order; the folder must hold some. */
    public static List<String> pngNames(Path dir) {
        if (!Files.isDirectory(dir)) throw new DatasetException(dir + ": no such folder");
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".png") && n.length() > 4)
                    .map(n -> n.substring(0, n.length() - 4))
                    .sorted()
                    .toList();
            if (names.isEmpty()) throw new DatasetException(dir + ": holds no .png images");
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /**
     * Every HR image with its LR at this scale, in name order. Checks, from the headers only, that each LR exists
     * and is the HR size divided by the scale (rounded down, as the HR is cropped to a multiple of it).
     */
    public List<ImagePair> pairs(int scale) {
        if (scale < 1) throw new IllegalArgumentException("scale must be positive, got " + scale);
        Path lrDir = lrDir(scale);
        if (!Files.isDirectory(lrDir))
            throw new DatasetException(lrDir + ": no LR folder for scale " + scale + " (run the downscale command to make it)");
        List<ImagePair> pairs = new ArrayList<>();
        for (String name : pngNames(hrDir())) {
            Path hr = hrDir().resolve(name + ".png");
            Path lr = lrDir.resolve(name + "x" + scale + ".png");
            if (!Files.isRegularFile(lr)) throw new DatasetException(hr + " has no LR image: missing " + lr);
            ImageSize hs = Images.size(hr), ls = Images.size(lr);
            if ((long) ls.width() * scale > hs.width() || (long) ls.height() * scale > hs.height())
                throw new DatasetException(lr + " is " + ls + ": times " + scale + " it exceeds its HR " + hr.getFileName() + " (" + hs + ")");
            if (ls.width() != hs.width() / scale || ls.height() != hs.height() / scale)
                throw new DatasetException(lr + " is " + ls + ", but HR " + hr.getFileName() + " (" + hs + ") at x" + scale
                        + " gives " + hs.width() / scale + "x" + hs.height() / scale);
            pairs.add(new ImagePair(name, hr, lr));
        }
        return pairs;
    }
}
