package adabm.backend.onednn;

import static adabm.backend.onednn.OneDnnTestSupport.assertClose;
import static adabm.backend.onednn.OneDnnTestSupport.conv;
import static adabm.backend.onednn.OneDnnTestSupport.graph;
import static adabm.backend.onednn.OneDnnTestSupport.onednn;
import static adabm.backend.onednn.OneDnnTestSupport.random;
import static org.junit.jupiter.api.Assertions.*;

import adabm.ShapeException;
import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Plan life cycle and failure paths: corrupt descriptions, closed plans, threads, shape cache, concurrency. */
class OneDnnPlanLifecycleTest {
    private final Random rnd = new Random(7);

    private Graph tiny() {
        return graph("tiny", 2, List.of(
                conv(rnd, "c", "x", "a", 2, 2, 1, 1),
                new Op.PRelu("p", "a", "b", new float[] {0.1f, 0.2f}),
                new Op.Concat("cat", List.of("x", "b"), "y")), "y");
    }

    private static NativeLibrary lib() {
        onednn();
        return NativeLibrary.instance();
    }

    private static NativeException createFails(byte[] description) {
        NativeLibrary lib = lib();
        return assertThrows(NativeException.class, () -> lib.destroy(lib.create(description, 1)));
    }

    @Test void registeredAndAvailable() {
        assertTrue(Backends.all().stream().anyMatch(b -> b.name().equals("onednn")));
        assertTrue(Backends.all().stream().anyMatch(b -> b.name().equals("java")));
        onednn();
        assertEquals("onednn", Backends.get("onednn").name());
        assertEquals("onednn", Backends.best().name());
    }

    @Test void missingLibraryIsReportedNotThrown() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dadabm.native.dir=/nonexistent/adabm", AvailabilityProbe.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("available=false"), out);
        assertTrue(out.contains("reason=cannot load libadabm_native.so"), out);
        assertTrue(out.contains("get=unavailable"), out);
        assertTrue(out.contains("best=java"), out);
    }

    @Test void everyTruncationIsRejected() {
        byte[] good = PlanEncoder.encode(tiny());
        NativeLibrary lib = lib();
        lib.destroy(lib.create(good, 1));   // the untouched description is fine
        for (int len = 0; len < good.length; len++) {
            NativeException e = createFails(java.util.Arrays.copyOf(good, len));
            assertEquals(NativeException.BAD_PLAN, e.code(), "length " + len);
        }
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 4);
        assertTrue(createFails(longer).getMessage().contains("trailing"));
    }

    /** Offsets of the tiny graph's description: header 6 words, blobs (4 of them), then ops. */
    private static int opsOffset(ByteBuffer b) {
        int pos = 24;
        int blobs = b.getInt(20);
        for (int i = 0; i < blobs; i++) pos += 4 + 4 * b.getInt(pos);
        return pos;
    }

    @Test void badIndicesAndFieldsAreRejectedWithAMessage() {
        byte[] good = PlanEncoder.encode(tiny());
        int ops = opsOffset(ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN));
        // conv op: kind, inputCount, input, inC, outC, kh, kw, 4 pads, groups, weightBlob, biasBlob
        record Corruption(int offset, int value, String message) { }
        List<Corruption> cases = List.of(
                new Corruption(0, 0x12345678, "magic"),
                new Corruption(4, 99, "version"),
                new Corruption(16, 9, "output tensor"),
                new Corruption(24, 0x7fffffff, "truncated"),           // first blob length
                new Corruption(ops, 77, "unknown kind"),
                new Corruption(ops + 4, 5, "input count"),
                new Corruption(ops + 8, 3, "not produced before"),      // conv reads a later tensor
                new Corruption(ops + 12, 0, "inC"),
                new Corruption(ops + 12, 3, "weight blob has"),
                new Corruption(ops + 20, 5000, "kernelH"),
                new Corruption(ops + 44, 2, "weight blob has"),         // 2 groups are legal, the weights then do not fit
                new Corruption(ops + 48, 1000, "blob"),
                new Corruption(ops + 52, 0, "bias blob has"));
        for (Corruption c : cases) {
            byte[] bad = good.clone();
            ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(c.offset, c.value);
            NativeException e = createFails(bad);
            assertEquals(NativeException.BAD_PLAN, e.code(), c.toString());
            assertTrue(e.getMessage().contains(c.message),
                    c + " -> " + e.getMessage());
        }
    }

    @Test void randomByteFlipsNeverCrash() {
        byte[] good = PlanEncoder.encode(tiny());
        NativeLibrary lib = lib();
        Random r = new Random(1);
        int created = 0;
        for (int i = 0; i < 1500; i++) {
            byte[] bad = good.clone();
            for (int k = 1 + r.nextInt(3); k > 0; k--) bad[r.nextInt(bad.length)] = (byte) r.nextInt(256);
            try {
                var plan = lib.create(bad, 1);
                created++;
                try {
                    lib.outputShape(plan, 1, 2, 3, 3);
                } catch (NativeException e) {
                    assertTrue(e.code() == NativeException.SHAPE, e.getMessage());
                } finally {
                    lib.destroy(plan);
                }
            } catch (NativeException e) {
                assertEquals(NativeException.BAD_PLAN, e.code(), e.getMessage());
            }
        }
        assertTrue(created > 0, "some flips only change weights and must still load");
    }

    @Test void closedPlanThrowsAndCloseIsIdempotent() {
        Plan p = onednn().compile(tiny(), new BackendOptions(1));
        p.run(random(rnd, 1, 2, 3, 3));
        p.close();
        p.close();
        assertThrows(IllegalStateException.class, () -> p.run(random(rnd, 1, 2, 3, 3)));
    }

    @Test void shapeErrorsAreTyped() {
        Graph g = graph("valid", 2, List.of(conv(rnd, "v", "x", "y", 2, 2, 3, 3, 0, 0, 0, 0, 1)), "y");
        try (Plan p = onednn().compile(g, new BackendOptions(1))) {
            assertThrows(ShapeException.class, () -> p.run(random(rnd, 1, 3, 8, 8)));
            ShapeException e = assertThrows(ShapeException.class, () -> p.run(random(rnd, 1, 2, 2, 8)));
            assertTrue(e.getMessage().contains("'v'"), e.getMessage());
            p.run(random(rnd, 1, 2, 3, 3));   // the plan still works afterwards
        }
    }

    @Test void nativeShapeCheckBacksUpJava() {
        NativeLibrary lib = lib();
        var plan = lib.create(PlanEncoder.encode(tiny()), 1);
        try {
            assertArrayEquals(new int[] {2, 4, 5, 6}, lib.outputShape(plan, 2, 2, 5, 6));
            assertEquals(NativeException.SHAPE, assertThrows(NativeException.class, () -> lib.outputShape(plan, 1, 3, 5, 6)).code());
            assertEquals(NativeException.SHAPE, assertThrows(NativeException.class, () -> lib.outputShape(plan, 1, 2, 0, 6)).code());
        } finally {
            lib.destroy(plan);
        }
    }

    @Test void oneAndTwoThreadsAgree() {
        Graph g = OneDnnModels.edsrLike(rnd, 16, 2);
        Tensor x = random(rnd, 1, 3, 24, 20);
        try (Plan one = onednn().compile(g, new BackendOptions(1)); Plan two = onednn().compile(g, new BackendOptions(2))) {
            assertClose(one.run(x), two.run(x), "threads 1 vs 2");
        }
    }

    @Test void shapeCacheIsBoundedAndStaysCorrect() {
        Graph g = OneDnnModels.edsrLike(rnd, 8, 1);
        try (Plan ref = Backends.get("java").compile(g, new BackendOptions(1));
             OneDnnPlan p = (OneDnnPlan) onednn().compile(g, new BackendOptions(1))) {
            int[][] sizes = {{4, 4}, {5, 4}, {4, 6}, {7, 3}, {9, 9}, {4, 4}, {6, 2}, {5, 4}};
            for (int[] s : sizes) {
                Tensor x = random(rnd, 1, 3, s[0], s[1]);
                assertClose(ref.run(x), p.run(x), "size " + s[0] + "x" + s[1]);
                assertTrue(p.cachedShapes() <= 4, "cached " + p.cachedShapes());
            }
            assertEquals(4, p.cachedShapes());
        }
    }

    @Test void plansRunConcurrentlyAndOnePlanIsSharedSafely() throws Exception {
        Graph g = OneDnnModels.edsrLike(rnd, 8, 1);
        Tensor a = random(rnd, 1, 3, 12, 10), b = random(rnd, 1, 3, 9, 13);
        Tensor ea, eb;
        try (Plan ref = Backends.get("java").compile(g, new BackendOptions(1))) { ea = ref.run(a); eb = ref.run(b); }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Plan p1 = onednn().compile(g, new BackendOptions(1)); Plan p2 = onednn().compile(g, new BackendOptions(1))) {
            List<Future<?>> jobs = new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                Plan p = i % 3 == 0 ? p2 : p1;
                boolean useA = i % 2 == 0;
                jobs.add(pool.submit(() -> assertClose(useA ? ea : eb, p.run(useA ? a : b), "concurrent run")));
            }
            for (Future<?> f : jobs) f.get();
        } finally {
            pool.shutdown();
        }
    }
}
