package adabm.quant;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Element-wise work of fake-quantized execution and fine-tuning spread over the common fork-join pool (the caller
 * plus its workers). Ranges are cut into fixed chunks, so a result never depends on how many threads ran it.
 */
public final class Parallel {
    /** Values per chunk: big enough to amortise a task, small enough to balance two cores. */
    public static final int CHUNK = 1 << 16;

    /** Work on the half-open index range [from, to). */
    public interface Range { void run(int from, int to); }

    private Parallel() { }

    /** Runs body over [from, to) in chunks of {@link #CHUNK}, possibly in parallel. */
    public static void ranges(int from, int to, Range body) {
        int chunks = (to - from + CHUNK - 1) / CHUNK;
        if (chunks <= 1) { body.run(from, to); return; }
        IntStream.range(0, chunks).parallel().forEach(i -> body.run(from + i * CHUNK, Math.min(to, from + (i + 1) * CHUNK)));
    }

    /** Runs body(i) for i in [0, n), possibly in parallel. */
    public static void each(int n, IntConsumer body) {
        if (n == 1) body.accept(0);
        else IntStream.range(0, n).parallel().forEach(body);
    }
}
