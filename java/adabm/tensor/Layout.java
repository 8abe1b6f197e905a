package adabm.tensor;

import java.util.stream.IntStream;

/**
 * The memory order of a {@link Tensor}'s data. Tensors are NCHW everywhere except inside fine-tuning, which keeps
 * activations channels last (NHWC) so oneDNN convolves them in place, without reorders. A channels-last tensor
 * keeps its logical n, c, h, w; only {@link Tensor#index} (NCHW) does not apply to it.
 */
public enum Layout {
    NCHW, NHWC;

    /** Where value (n, c, y, x) of a tensor of this layout lives. */
    public int index(Tensor t, int n, int c, int y, int x) {
        return this == NCHW ? ((n * t.c + c) * t.h + y) * t.w + x : ((n * t.h + y) * t.w + x) * t.c + c;
    }

    /** The values of an NCHW tensor in NHWC order. */
    public static Tensor toNhwc(Tensor nchw) {
        Tensor out = new Tensor(nchw.n, nchw.c, nchw.h, nchw.w);
        int c = nchw.c, h = nchw.h, w = nchw.w;
        rows(nchw, row -> {   // one (sample, image row) per job
            int n = row / h, y = row % h;
            for (int ch = 0; ch < c; ch++) {
                int src = ((n * c + ch) * h + y) * w, dst = (n * h + y) * w * c + ch;
                for (int x = 0; x < w; x++) out.data[dst + x * c] = nchw.data[src + x];
            }
        });
        return out;
    }

    /** The values of an NHWC tensor in NCHW order. */
    public static Tensor toNchw(Tensor nhwc) {
        Tensor out = new Tensor(nhwc.n, nhwc.c, nhwc.h, nhwc.w);
        int c = nhwc.c, h = nhwc.h, w = nhwc.w;
        rows(nhwc, row -> {
            int n = row / h, y = row % h;
            for (int ch = 0; ch < c; ch++) {
                int dst = ((n * c + ch) * h + y) * w, src = (n * h + y) * w * c + ch;
                for (int x = 0; x < w; x++) out.data[dst + x] = nhwc.data[src + x * c];
            }
        });
        return out;
    }

    private static void rows(Tensor t, java.util.function.IntConsumer body) {
        IntStream rows = IntStream.range(0, t.n * t.h);
        (t.data.length >= 1 << 16 ? rows.parallel() : rows).forEach(body);
    }
}
