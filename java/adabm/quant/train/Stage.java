package adabm.quant.train;

/** What a fine-tuning epoch learns (ADABM.md §6): weight bounds, activation bounds, or the bit maps. */
public enum Stage {
    W, A, MEASURE;

    /** Epoch e (1-based) runs w, a, measure, w, a, measure, ... (10 epochs end on w). */
    public static Stage ofEpoch(int epoch) {
        if (epoch < 1) throw new IllegalArgumentException("epochs are 1-based, got " + epoch);
        return values()[(epoch - 1) % 3];
    }
}
