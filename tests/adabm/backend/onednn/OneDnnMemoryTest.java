package adabm.backend.onednn;

import static adabm.backend.onednn.OneDnnTestSupport.onednn;
import static adabm.backend.onednn.OneDnnTestSupport.random;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.backend.BackendOptions;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Resident memory stays flat across many runs and many plan create/close cycles. The models keep Java-side
 * garbage small (16x16 RGB in and out) while their native tensors are 32 channels wide, so a leaked buffer per
 * run (>= 32 KB x 1000) or per plan (weights, >= 100 KB x 300) would far exceed the 20 MB allowance.
 */
class OneDnnMemoryTest {
    private static final long ALLOWED_GROWTH_KB = 20 * 1024;

    static long rssKb() throws IOException {
        Path status = Path.of("/proc/self/status");
        assumeTrue(Files.exists(status), "no /proc/self/status");
        for (String line : Files.readAllLines(status))
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        throw new IllegalStateException("no VmRSS line");
    }

    private static long settledRssKb() throws IOException {
        System.gc();
        return rssKb();
    }

    @Test void thousandRunsKeepRssFlat() throws IOException {
        Graph g = OneDnnModels.edsrLike(new Random(3), 32, 2);
        Tensor x = random(new Random(4), 1, 3, 16, 16);
        try (Plan p = onednn().compile(g, new BackendOptions(1))) {
            for (int i = 0; i < 100; i++) p.run(x);
            long before = settledRssKb();
            for (int i = 0; i < 1000; i++) p.run(x);
            long after = settledRssKb();
            System.out.printf("onednn RSS over 1000 runs: %d KB -> %d KB%n", before, after);
            assertTrue(after - before < ALLOWED_GROWTH_KB, "RSS grew by " + (after - before) + " KB");
        }
    }

    @Test void closingPlansReleasesTheirMemory() throws IOException {
        Graph g = OneDnnModels.edsrLike(new Random(5), 32, 2);
        Tensor x = random(new Random(6), 1, 3, 8, 8);
        for (int i = 0; i < 150; i++) try (Plan p = onednn().compile(g, new BackendOptions(1))) { p.run(x); }
        long before = settledRssKb();
        for (int i = 0; i < 300; i++) try (Plan p = onednn().compile(g, new BackendOptions(1))) { p.run(x); }
        long after = settledRssKb();
        System.out.printf("onednn RSS over 300 plan create/run/close: %d KB -> %d KB%n", before, after);
        assertTrue(after - before < ALLOWED_GROWTH_KB, "RSS grew by " + (after - before) + " KB");
    }
}
