package adabm.backend;

/** Options every backend understands. threads <= 0 means all available processors. */
public record BackendOptions(int threads) {
    public static BackendOptions defaults() { return new BackendOptions(0); }

    public int effectiveThreads() { return threads > 0 ? threads : Runtime.getRuntime().availableProcessors(); }
}
