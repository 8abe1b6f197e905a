package adabm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.backend.onednn.Int8Plan;
import adabm.backend.ref.JavaConvKernels;
import adabm.graph.Graph;
import adabm.quant.CalibrationMethod;
import adabm.quant.Calibrator;
import adabm.quant.FakeQuantRunner;
import adabm.quant.PatchedForward;
import adabm.quant.QuantMode;
import adabm.quant.QuantModel;
import adabm.quant.QuantSpec;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The serving API: concurrency (same bytes as one thread, flat memory), tiling semantics, and bad input. */
class UpscalerTest {
    static void assumeInt8() {
        assumeTrue(Int8Plan.unavailableReason() == null, "integer plan unavailable: " + Int8Plan.unavailableReason());
    }

    static QuantModel quantized(Graph g) {
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
        List<Tensor> patches = new ArrayList<>();
        for (int i = 0; i < 4; i++) patches.add(TestGraphs.image(24, 24, 100 + i));
        try (FakeQuantRunner r = new FakeQuantRunner(m, 2)) {
            Calibrator.calibrate(r, patches, CalibrationMethod.ADABM);
        }
        m.imageMap().enable(20, 60);
        return m;
    }

    static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    static int pixel(float v) { return (int) Math.rint(Math.min(255f, Math.max(0f, v))); }

    static int[] bits(Tensor t) {
        int[] b = new int[t.data.length];
        for (int i = 0; i < b.length; i++) b[i] = Float.floatToRawIntBits(t.data[i]);
        return b;
    }

    @Test void eightCallerThreadsGetTheBytesOfOneThreadWithFlatMemory() throws Exception {
        assumeInt8();
        Graph g = TestGraphs.tinyEdsr(8, 1, 2, 11);
        int[][] sizes = {{12, 12}, {16, 20}, {20, 14}, {40, 30}};   // the last one is tiled (tile 24)
        List<Tensor> images = new ArrayList<>();
        for (int i = 0; i < 50; i++) images.add(TestGraphs.image(sizes[i % sizes.length][0], sizes[i % sizes.length][1], i));
        Upscaler.Options o = Upscaler.Options.defaults().withBackend(Upscaler.INT8).withThreads(1).withWorkers(3).withTile(24);
        try (Upscaler up = Upscaler.create(quantized(g), o); ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<int[]> expected = new ArrayList<>();
            for (Tensor im : images) expected.add(bits(up.upscale(im)));   // one thread; also warms every shape
            // round 0 warms up (caller threads, their malloc arenas, JIT); rounds 1-3 must not grow memory
            long[] resident = new long[4];
            for (int round = 0; round < resident.length; round++) {
                List<Future<Integer>> done = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int start = t;
                    done.add(pool.submit(() -> {
                        for (int k = 0; k < images.size(); k++) {
                            int i = (start * 7 + k) % images.size();
                            assertArrayEquals(expected.get(i), bits(up.upscale(images.get(i))), "image " + i);
                        }
                        return images.size();
                    }));
                }
                int calls = 0;
                for (Future<Integer> f : done) calls += f.get();
                assertEquals(400, calls);
                System.gc();
                resident[round] = residentKb();
            }
            // the least of the later rounds: heap pages come and go by tens of MB between collections, a leak only grows
            long grown = Math.min(resident[1], Math.min(resident[2], resident[3])) - resident[0];
            System.out.printf("upscaler: 4 x 400 calls on 8 threads, resident kB after each round %s%n", java.util.Arrays.toString(resident));
            // a leak of one output or one native tile state per call would be 1200 x >= 60 kB = 72 MB
            assertTrue(grown < 16 * 1024, "resident memory grew by " + grown + " kB over 1200 calls after warm-up");
        }
    }

    @Test void tiledQuantizedRunsArePatchMode() {
        assumeInt8();
        QuantModel m = quantized(TestGraphs.tinyEdsr(8, 1, 2, 12));
        Tensor image = TestGraphs.image(40, 30, 5);
        Upscaler.Options o = Upscaler.Options.defaults().withBackend(Upscaler.INT8).withWorkers(1).withTile(24);
        try (Upscaler up = Upscaler.create(m, o); Int8Plan plan = new Int8Plan(m, 1);
             FakeQuantRunner fake = new FakeQuantRunner(m, new JavaConvKernels(1))) {
            Tensor got = up.upscale(image);
            assertArrayEquals(bits(plan.runPatched(image, 24).output()), bits(got), "the integer plan's patch mode, exactly");
            Tensor want = PatchedForward.run(fake, image, 24, true).output();
            int same = 0;
            for (int i = 0; i < want.data.length; i++) if (pixel(want.data[i]) == pixel(got.data[i])) same++;
            assertTrue(same >= 0.995 * want.data.length, "fake-quant patch mode: " + same + " of " + want.data.length + " identical 8-bit pixels");
        }
    }

    @Test void tiledFloatRunsMatchTheWholeImage() {
        Graph g = TestGraphs.tinyEdsr(8, 1, 2, 13);
        assumeTrue(Backends.get("onednn").availability().available());
        Tensor image = TestGraphs.image(50, 40, 6);
        Upscaler.Options o = Upscaler.Options.defaults().withWorkers(1).withTile(20);
        try (Upscaler up = Upscaler.create(g, o); Plan whole = Backends.get("onednn").compile(g, new BackendOptions(1))) {
            Tensor want = whole.run(image), got = up.upscale(image);
            double max = 0, scale = 0;
            for (int i = 0; i < want.data.length; i++) {
                max = Math.max(max, Math.abs(want.data[i] - got.data[i]));
                scale = Math.max(scale, Math.abs(want.data[i]));
            }
            assertTrue(max <= 1e-5 * scale, "tiled vs whole: max difference " + max + " of " + scale);   // summation order only
        }
    }

    @Test void badInputFailsClearly() {
        Graph g = TestGraphs.tinyEdsr(8, 1, 2, 14);
        assumeTrue(Backends.get("onednn").availability().available());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> Upscaler.create(g, Upscaler.Options.defaults().withTile(4)));
        assertTrue(small.getMessage().contains("receptive field"), small.getMessage());
        for (String quantizedOnly : new String[] {Upscaler.INT8, Upscaler.CUDA_INT8}) {
            IllegalArgumentException int8Float = assertThrows(IllegalArgumentException.class,
                    () -> Upscaler.create(g, Upscaler.Options.defaults().withBackend(quantizedOnly)));
            assertTrue(int8Float.getMessage().contains("quantized"), int8Float.getMessage());
        }
        Upscaler up = Upscaler.create(g, Upscaler.Options.defaults().withWorkers(1).withTile(32).withMaxPixels(64 * 64));
        ShapeException big = assertThrows(ShapeException.class, () -> up.upscale(new Tensor(1, 3, 65, 64)));
        assertTrue(big.getMessage().contains("limit"), big.getMessage());
        assertThrows(ShapeException.class, () -> up.upscale(new Tensor(2, 3, 8, 8)));
        assertThrows(ShapeException.class, () -> up.upscale(new Tensor(1, 1, 8, 8)));
        up.upscale(TestGraphs.image(8, 8, 1));
        up.close();
        up.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> up.upscale(TestGraphs.image(8, 8, 1)));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }
}
