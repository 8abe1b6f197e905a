package adabm.quant;

/** The image-to-bit map: thresholds on input complexity (ADABM.md §4). Disabled means every image gets offset 0. */
public final class ImageBitMap {
    private boolean enabled;
    private double tauLow = Double.NaN, tauHigh = Double.NaN;

    public boolean enabled() { return enabled; }
    public double tauLow() { return tauLow; }
    public double tauHigh() { return tauHigh; }

    public void enable(double tauLow, double tauHigh) {
        if (!(tauLow <= tauHigh)) throw new IllegalArgumentException("image thresholds need tauLow <= tauHigh, got " + tauLow + ", " + tauHigh);
        this.tauLow = tauLow;
        this.tauHigh = tauHigh;
        enabled = true;
    }

    public void disable() { enabled = false; }

    public int offset(double complexity) { return enabled ? BitMaps.imageOffset(complexity, tauLow, tauHigh) : 0; }
}
