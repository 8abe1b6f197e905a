package adabm.quant.train;

import static org.junit.jupiter.api.Assertions.*;

import adabm.quant.Calibrator;
import adabm.quant.FakeQuantRunner;
import adabm.quant.QuantModel;
import adabm.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Teacher batches assembled from cached patches equal the teacher run on that batch, within the memory budget. */
class TeacherCacheTest {
    @Test void assembledBatchesEqualFreshTeachersAndTheBudgetHolds() {
        List<Tensor> patches = FineTunerTest.patches(4, 11);
        QuantModel m = FineTunerTest.calibrated(patches);
        long onePatch = 4L * (3 * 16 * 16 + 2 * 4 * 8 * 8);   // tinyEdsr(4 channels, 2 blocks, x2): output + two taps
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) {
            TeacherCache cache = new TeacherCache(r, patches.size(), 3 * onePatch);
            cache.of(new int[] {0, 1}, batch(patches, 0, 1));
            cache.of(new int[] {2, 3}, batch(patches, 2, 3));
            assertEquals(3 * onePatch, cache.usedBytes(), "patches 0, 1, 2 fit, 3 does not");
            for (int[] pair : new int[][] {{2, 0}, {1, 2}, {3, 1}}) {   // cached, cached, recomputed
                Tensor batch = batch(patches, pair[0], pair[1]);
                Teacher got = cache.of(pair, batch), want = Teacher.of(r, batch).channelsLast();
                assertArrayEquals(want.output().data, got.output().data, "output of " + pair[0] + "," + pair[1]);
                assertEquals(want.taps().keySet(), got.taps().keySet());
                for (String tap : want.taps().keySet())
                    assertArrayEquals(want.taps().get(tap).data, got.taps().get(tap).data, "tap " + tap);
            }
        }
    }

    private static Tensor batch(List<Tensor> patches, int a, int b) { return Calibrator.stack(List.of(patches.get(a), patches.get(b))); }
}
