package adabm.io.onnx;

import adabm.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Test-local PNG reader: RGB float 0..255, NCHW [1,3,H,W], grey replicated (the real image module lives elsewhere). */
final class TestImages {
    private TestImages() { }

    static Tensor readRgb(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) throw new IOException(file + ": not an image ImageIO can read");
        int h = img.getHeight(), w = img.getWidth();
        Tensor t = new Tensor(1, 3, h, w);
        Raster r = img.getRaster();
        boolean viaRgb = img.getColorModel() instanceof IndexColorModel;   // palette: samples are indices
        if (!viaRgb && r.getSampleModel().getSampleSize(0) != 8) throw new IOException(file + ": only 8-bit images");
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) {
                    // raw samples, not getRGB(): that would colour-convert grey images
                    float v = viaRgb ? (img.getRGB(x, y) >> (16 - 8 * c)) & 0xff : r.getSample(x, y, r.getNumBands() >= 3 ? c : 0);
                    t.data[t.index(0, c, y, x)] = v;
                }
        return t;
    }
}
