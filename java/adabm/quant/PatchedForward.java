package adabm.quant;

import adabm.ShapeException;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Patch-mode inference (ADABM.md §7): each {@link PatchTiles} tile of the LR image runs through the network on its
 * own (zero padding at the tile's borders, its own image offset from its own complexity) and the part of its SR
 * output that the tile owns is pasted into the full SR image, so where tiles overlap the later tile's output wins.
 * FAB = mean over tiles.
 */
public final class PatchedForward {
    /** The stitched SR image, the image's FAB and each tile's image offset, in tile order. */
    public record Result(Tensor output, double fab, List<Integer> tileOffsets) { }

    private PatchedForward() { }

    public static Result run(FakeQuantRunner runner, Tensor lr, int patch, boolean quantize) {
        return run(tile -> quantize ? runner.run(tile, ForwardHooks.NONE) : runner.runFloat(tile, ForwardHooks.NONE), lr, patch);
    }

    /** Patch mode over any forward of one image (the fake-quant runner, the integer plan, ...). */
    public static Result run(Function<Tensor, FakeQuantRunner.Forward> forward, Tensor lr, int patch) {
        if (lr.n != 1) throw new ShapeException("patch mode takes one image, got a batch of " + lr.n);
        Tensor out = null;
        int scale = 0;
        double fabSum = 0;
        List<Integer> offsets = new ArrayList<>();
        List<PatchTiles.Tile> tiles = PatchTiles.of(lr.h, lr.w, patch);
        for (PatchTiles.Tile t : tiles) {
            FakeQuantRunner.Forward f = forward.apply(PatchTiles.crop(lr, t));
            Tensor sr = f.output();
            if (out == null) {
                scale = sr.h / t.h();
                out = new Tensor(1, sr.c, lr.h * scale, lr.w * scale);
            }
            if (sr.h != t.h() * scale || sr.w != t.w() * scale)
                throw new ShapeException("tile " + t + " gave output " + sr.shape() + ", not x" + scale);
            int oh = t.ownHeight() * scale, ow = t.ownWidth() * scale;
            for (int c = 0; c < sr.c; c++)
                for (int y = 0; y < oh; y++)
                    System.arraycopy(sr.data, sr.index(0, c, y, 0), out.data, out.index(0, c, t.y() * scale + y, t.x() * scale), ow);
            fabSum += f.fab()[0];
            offsets.add(f.imageOffsets()[0]);
        }
        return new Result(out, fabSum / tiles.size(), List.copyOf(offsets));
    }
}
