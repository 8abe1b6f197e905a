package adabm.io.image;

import adabm.AdabmException;
import adabm.ImageFormatException;
import adabm.ShapeException;
import adabm.tensor.Tensor;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.awt.image.WritableRaster;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Reads PNG, JPEG and BMP files into [1,3,H,W] float RGB tensors on the 0..255 scale, and writes 8-bit RGB PNGs.
 *
 * <p>Reading: 8-bit RGB as is; RGBA and grey+alpha drop the alpha (no compositing); palette images are expanded;
 * greyscale is replicated to 3 channels; greyscale below 8 bits is scaled to 0..255. Raw samples are used, with
 * no colour management (ICC/gamma chunks are ignored), as PIL and the benchmark protocol do. Images with more than
 * 8 bits per sample (16-bit PNG) are refused: the benchmark protocol is defined on 8-bit images and any 16→8-bit
 * conversion would be a silent choice. The size is taken from the header and checked against a pixel limit before
 * any pixel is decoded, so a huge image never allocates. Every failure about the file is an
 * {@link ImageFormatException} naming it.
 */
public final class Images {
    /** Default limit on width × height: 64 Mpx (a [1,3,H,W] float tensor of 768 MiB). */
    public static final long DEFAULT_MAX_PIXELS = 1L << 26;

    private static final Set<String> FORMATS = Set.of("png", "jpeg", "bmp");

    private Images() { }

    public static Tensor read(Path file) { return read(file, DEFAULT_MAX_PIXELS); }

    /** Reads an image, refusing one whose header claims more than {@code maxPixels} pixels. */
    public static Tensor read(Path file, long maxPixels) {
        return withReader(file, reader -> {
            ImageSize size = headerSize(file, reader);
            // 3 channels must fit one Java array whatever limit the caller chose
            if (size.pixels() > maxPixels || size.pixels() * 3 > Integer.MAX_VALUE - 8)
                throw new ImageFormatException(file + ": image is " + size + " = " + size.pixels()
                        + " pixels, above the limit of " + maxPixels + " pixels");
            checkBitDepth(file, reader);
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, message) -> warnings.add(message));
            BufferedImage img = reader.read(0);
            // JPEG decoders report truncation as a warning and fill the rest with grey: treat it as damage
            if (!warnings.isEmpty())
                throw new ImageFormatException(file + ": damaged image data: " + String.join("; ", warnings));
            return toTensor(file, img);
        });
    }

    /** Width and height from the header only (no pixel is decoded). */
    public static ImageSize size(Path file) { return withReader(file, reader -> headerSize(file, reader)); }

    /**
     * Writes a [1,3,H,W] tensor as an 8-bit RGB PNG: each sample is clamped to 0..255 and rounded half to even
     * ({@link Pixels#toUint8}), as the golden PNGs were made.
     */
    public static void writePng(Tensor t, Path file) throws IOException {
        if (t.n != 1 || t.c != 3) throw new ShapeException("writePng needs a [1,3,H,W] tensor, got " + t.shape() + " for " + file);
        BufferedImage img = new BufferedImage(t.w, t.h, BufferedImage.TYPE_3BYTE_BGR);
        WritableRaster raster = img.getRaster();
        int plane = t.h * t.w;
        int[] samples = new int[plane];
        for (int ch = 0; ch < 3; ch++) {
            for (int i = 0; i < plane; i++) {
                float v = t.data[ch * plane + i];
                if (Float.isNaN(v))
                    throw new AdabmException(file + ": cannot write a NaN sample (channel " + ch + ", y " + i / t.w + ", x " + i % t.w + ")");
                samples[i] = Pixels.toUint8(v);
            }
            raster.setSamples(0, 0, t.w, t.h, ch, samples);
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(file));
             MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(os)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(img, null, null), null);
        } finally {
            writer.dispose();
        }
    }

    private interface ReaderAction<T> { T apply(ImageReader reader) throws IOException; }

    /** Opens the file with an ImageIO reader for PNG/JPEG/BMP and turns every failure into an ImageFormatException. */
    private static <T> T withReader(Path file, ReaderAction<T> action) {
        if (!Files.exists(file)) throw new ImageFormatException(file + ": no such image file");
        if (!Files.isRegularFile(file)) throw new ImageFormatException(file + ": not a regular file");
        try {
            if (Files.size(file) == 0) throw new ImageFormatException(file + ": empty file (0 bytes), not an image");
            try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
                if (in == null) throw new ImageFormatException(file + ": cannot open the image file");
                Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
                if (!readers.hasNext())
                    throw new ImageFormatException(file + ": not an image (no PNG, JPEG or BMP signature)");
                ImageReader reader = readers.next();
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!FORMATS.contains(format)) {
                    reader.dispose();
                    throw new ImageFormatException(file + ": " + format + " images are not supported (use PNG, JPEG or BMP)");
                }
                try {
                    reader.setInput(in, true, true);
                    return action.apply(reader);
                } finally {
                    reader.dispose();
                }
            }
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // decoders throw IIOException, but also IndexOutOfBounds/IllegalArgument/NegativeArraySize on bad data
            throw new ImageFormatException(file + ": cannot read image: " + e, e);
        }
    }

    private static ImageSize headerSize(Path file, ImageReader reader) throws IOException {
        int w = reader.getWidth(0), h = reader.getHeight(0);
        if (w <= 0 || h <= 0) throw new ImageFormatException(file + ": image has zero size (" + w + "x" + h + ")");
        return new ImageSize(w, h);
    }

    private static void checkBitDepth(Path file, ImageReader reader) throws IOException {
        ImageTypeSpecifier type = reader.getRawImageType(0);
        if (type == null) {
            Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
            if (!types.hasNext()) throw new ImageFormatException(file + ": no decodable image type");
            type = types.next();
        }
        SampleModel sm = type.getSampleModel();
        for (int b = 0; b < sm.getNumBands(); b++)
            if (sm.getSampleSize(b) > 8)
                throw new ImageFormatException(file + ": " + sm.getSampleSize(b)
                        + "-bit samples are not supported; convert the image to 8 bits per channel");
    }

    private static Tensor toTensor(Path file, BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight(), plane = w * h;
        float[] out = new float[3 * plane];
        Raster raster = img.getRaster();
        ColorModel cm = img.getColorModel();
        int csType = cm.getColorSpace().getType();
        int colours = cm.getNumColorComponents();
        if (cm instanceof IndexColorModel icm) {
            int[] index = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < plane; i++) {
                out[i] = icm.getRed(index[i]);
                out[plane + i] = icm.getGreen(index[i]);
                out[2 * plane + i] = icm.getBlue(index[i]);
            }
        } else if (cm instanceof DirectColorModel && csType == ColorSpace.TYPE_RGB) {
            // packed RGB (BMP 16/24/32-bit): getRGB scales each field to 8 bits, no colour conversion for sRGB
            int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < plane; i++) {
                out[i] = (argb[i] >> 16) & 0xff;
                out[plane + i] = (argb[i] >> 8) & 0xff;
                out[2 * plane + i] = argb[i] & 0xff;
            }
        } else if (colours == 1 && csType == ColorSpace.TYPE_GRAY) {
            // raw grey samples: getRGB would apply a linear-to-sRGB conversion and change the values
            int bits = raster.getSampleModel().getSampleSize(0);
            int[] grey = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            float unit = 255f / ((1 << bits) - 1);
            for (int i = 0; i < plane; i++) {
                float v = bits == 8 ? grey[i] : Math.round(grey[i] * unit);
                out[i] = out[plane + i] = out[2 * plane + i] = v;
            }
        } else if (colours == 3 && csType == ColorSpace.TYPE_RGB && bandsAre8Bit(raster)) {
            int[] band = new int[plane];
            for (int ch = 0; ch < 3; ch++) {
                raster.getSamples(0, 0, w, h, ch, band);
                for (int i = 0; i < plane; i++) out[ch * plane + i] = band[i];
            }
        } else {
            throw new ImageFormatException(file + ": unsupported colour model (" + colours + " colour components, "
                    + "colour space type " + csType + ")");
        }
        return new Tensor(1, 3, h, w, out);
    }

    private static boolean bandsAre8Bit(Raster raster) {
        for (int b = 0; b < 3; b++) if (raster.getSampleModel().getSampleSize(b) != 8) return false;
        return true;
    }
}
