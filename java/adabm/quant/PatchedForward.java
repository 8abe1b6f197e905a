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
        return runBatched(forward, lr, patch, 1);
    }

    /**
     * Patch mode with up to maxBatch tiles per forward call: every tile of an image has the same size, so they go
     * as one [k,C,p,p] batch, each sample with its own image offset (a forward that runs the samples of a batch
     * independently, as every runner here does, gives the same result as one call per tile). For the GPU plan, whose
     * kernels then cover all k tiles per launch.
     */
    public static Result runBatched(Function<Tensor, FakeQuantRunner.Forward> forward, Tensor lr, int patch, int maxBatch) {
        if (lr.n != 1) throw new ShapeException("patch mode takes one image, got a batch of " + lr.n);
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be positive, got " + maxBatch);
        Tensor out = null;
        int scale = 0;
        double fabSum = 0;
        List<Integer> offsets = new ArrayList<>();
        List<PatchTiles.Tile> tiles = PatchTiles.of(lr.h, lr.w, patch);
        for (int from = 0; from < tiles.size(); from += maxBatch) {
            List<PatchTiles.Tile> group = tiles.subList(from, Math.min(tiles.size(), from + maxBatch));
            FakeQuantRunner.Forward f = forward.apply(crops(lr, group));
            Tensor sr = f.output();
            for (int k = 0; k < group.size(); k++) {
                PatchTiles.Tile t = group.get(k);
                if (out == null) {
                    scale = sr.h / t.h();
                    out = new Tensor(1, sr.c, lr.h * scale, lr.w * scale);
                }
                if (sr.n != group.size() || sr.h != t.h() * scale || sr.w != t.w() * scale)
                    throw new ShapeException("tile " + t + " gave output " + sr.shape() + ", not x" + scale);
                int oh = t.ownHeight() * scale, ow = t.ownWidth() * scale;
                for (int c = 0; c < sr.c; c++)
                    for (int y = 0; y < oh; y++)
                        System.arraycopy(sr.data, sr.index(k, c, y, 0), out.data, out.index(0, c, t.y() * scale + y, t.x() * scale), ow);
                fabSum += f.fab()[k];
                offsets.add(f.imageOffsets()[k]);
            }
        }
        return new Result(out, fabSum / tiles.size(), List.copyOf(offsets));
    }

    /** The tiles (all of one size) as one batch, in order. */
    private static Tensor crops(Tensor lr, List<PatchTiles.Tile> tiles) {
        if (tiles.size() == 1) return PatchTiles.crop(lr, tiles.get(0));
        PatchTiles.Tile first = tiles.get(0);
        Tensor batch = new Tensor(tiles.size(), lr.c, first.h(), first.w());
        int per = lr.c * first.h() * first.w();
        for (int k = 0; k < tiles.size(); k++) {
            Tensor one = PatchTiles.crop(lr, tiles.get(k));
            if (one.h != first.h() || one.w != first.w()) throw new ShapeException("tiles of one image differ in size: " + tiles.get(k) + " vs " + first);
            System.arraycopy(one.data, 0, batch.data, k * per, per);
        }
        return batch;
    }
}
