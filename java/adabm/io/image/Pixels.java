package adabm.io.image;

import adabm.AdabmException;

/** Conversion of float samples (0..255 scale) to 8-bit values, the way the goldens and the metric protocol do it. */
public final class Pixels {
    private Pixels() { }

    /**
     * Clamps to 0..255 and rounds half to even (like {@code torch.round}, as used for the golden PNGs and for SR
     * before PSNR/SSIM). NaN is refused: a NaN output is an engine bug that must not turn silently into black.
     */
    public static int toUint8(float v) {
        if (Float.isNaN(v)) throw new AdabmException("pixel value is NaN; cannot convert to 8 bits");
        return (int) Math.rint(Math.min(255f, Math.max(0f, v)));
    }
}
