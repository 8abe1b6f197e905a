package adabm.quant;

import adabm.ShapeException;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Patch-mode inference (ADABM.md §7): each {@link PatchTiles} tile of the LR image runs through the network on its
 * own (zero padding at the tile's borders, its own image offset from its own complexity) and its SR output is
 * pasted into the full SR image; where tiles overlap, the later tile's output wins. FAB = mean over tiles.
 */
public final class PatchedForward {
    /** The stitched SR image, the image's FAB and each tile's image offset, in tile order. */
    public record Result(Tensor output, double fab, List<Integer> tileOffsets) { }

    private PatchedForward() { }

    public static Result run(FakeQuantRunner runner, Tensor lr, int patch, boolean quantize) {
        if (lr.n != 1) throw new ShapeException("patch mode takes one image, got a batch of " + lr.n);
        Tensor out = null;
        int scale = 0;
        double fabSum = 0;
        List<Integer> offsets = new ArrayList<>();
        List<PatchTiles.Rect> tiles = PatchTiles.of(lr.h, lr.w, patch);
        for (PatchTiles.Rect t : tiles) {
            Tensor tile = crop(lr, t);
            FakeQuantRunner.Forward f = quantize ? runner.run(tile, ForwardHooks.NONE) : runner.runFloat(tile, ForwardHooks.NONE);
            Tensor sr = f.output();
            if (out == null) {
                scale = sr.h / t.h();
                out = new Tensor(1, sr.c, lr.h * scale, lr.w * scale);
            }
            if (sr.h != t.h() * scale || sr.w != t.w() * scale)
                throw new ShapeException("tile " + t + " gave output " + sr.shape() + ", not x" + scale);
            for (int c = 0; c < sr.c; c++)
                for (int y = 0; y < sr.h; y++)
                    System.arraycopy(sr.data, sr.index(0, c, y, 0), out.data, out.index(0, c, t.y() * scale + y, t.x() * scale), sr.w);
            fabSum += f.fab()[0];
            offsets.add(f.imageOffsets()[0]);
        }
        return new Result(out, fabSum / tiles.size(), List.copyOf(offsets));
    }

    static Tensor crop(Tensor img, PatchTiles.Rect r) {
        Tensor t = new Tensor(1, img.c, r.h(), r.w());
        for (int c = 0; c < img.c; c++)
            for (int y = 0; y < r.h(); y++)
                System.arraycopy(img.data, img.index(0, c, r.y() + y, r.x()), t.data, t.index(0, c, y, 0), r.w());
        return t;
    }
}
