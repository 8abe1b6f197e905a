package adabm.backend;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestGraphs;
import adabm.graph.Graph;
import adabm.graph.ReceptiveField;
import adabm.tensor.Tensor;
import org.junit.jupiter.api.Test;

class TiledRunnerTest {
    @Test void haloCountsEveryConvOnTheLongestPathInInputPixels() {
        Graph g = TestGraphs.tinyEdsr(8, 2, 2, 1);
        // head + 2*2 body + body.2 + tail.0.0 = 7 convs of reach 1 at scale 1; tail.1 after x2 shuffle: ceil(1/2) = 1
        assertEquals(8, ReceptiveField.haloInputPixels(g));
    }

    @Test void tiledOutputIsBitIdenticalToWholeImageOnTheReferenceBackend() {
        Graph g = TestGraphs.tinyEdsr(8, 2, 2, 7);
        Tensor img = TestGraphs.image(45, 61, 3);   // odd sizes: partial tiles on both edges
        try (Plan p = Backends.get("java").compile(g, new BackendOptions(1))) {
            Tensor whole = p.run(img);
            for (int tile : new int[] {7, 16, 30}) {
                Tensor tiled = new TiledRunner(p, g, tile).run(img);
                assertArrayEquals(whole.data, tiled.data, "tile " + tile);
            }
        }
    }

    @Test void tooSmallHaloWouldDiffer() {
        // guards the test above: cutting tiles without a halo must change the result
        Graph g = TestGraphs.tinyEdsr(8, 2, 2, 7);
        Tensor img = TestGraphs.image(40, 40, 3);
        try (Plan p = Backends.get("java").compile(g, new BackendOptions(1))) {
            Tensor whole = p.run(img);
            Tensor left = p.run(TiledRunner.crop(img, 0, 0, 40, 20));
            assertTrue(Math.abs(left.data[left.index(0, 0, 10, 39)] - whole.data[whole.index(0, 0, 10, 39)]) > 1e-3);
        }
    }
}
