package adabm.quant.report;

import adabm.TestGraphs;
import adabm.eval.Bicubic;
import adabm.io.image.Images;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small generated images on disk: a data set folder (HR + LR_bicubic/X{scale}) and a calibration folder. */
public final class TinyData {
    private TinyData() { }

    /** {@code root/HR/img{i}.png} (h x w, rounded to 0..255) and their bicubic LR at this scale. */
    public static Path dataset(Path root, int images, int h, int w, int scale, long seed) throws IOException {
        Path hr = Files.createDirectories(root.resolve("HR")), lr = Files.createDirectories(root.resolve("LR_bicubic/X" + scale));
        for (int i = 0; i < images; i++) {
            Tensor img = TestGraphs.image(h, w, seed + i);
            Images.writePng(img, hr.resolve("img" + i + ".png"));
            Images.writePng(Bicubic.downscale(Images.read(hr.resolve("img" + i + ".png")), scale), lr.resolve("img" + i + "x" + scale + ".png"));
        }
        return root;
    }

    /** A folder of {@code images} h x w LR images. */
    public static Path folder(Path dir, int images, int h, int w, long seed) throws IOException {
        Files.createDirectories(dir);
        for (int i = 0; i < images; i++) Images.writePng(TestGraphs.image(h, w, seed + i), dir.resolve("c" + i + ".png"));
        return dir;
    }
}
