package adabm.quant.report;

import static org.junit.jupiter.api.Assertions.*;

import adabm.AdabmException;
import adabm.ShapeException;
import adabm.TestGraphs;
import adabm.graph.Graph;
import adabm.quant.*;
import adabm.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Per-tile offsets and FAB against hand-computed values: a synthetic image whose three tile columns are flat, a unit
 * ramp and noise, under hand-set thresholds and hand-set layer offsets.
 */
class TileBitMapTest {
    static final List<String> ADAPTIVE = List.of("body.0.conv1", "body.0.conv2", "body.1.conv1", "body.1.conv2", "body.2");

    /** tinyEdsr W4A4 fq with layer offsets +1 +1 0 -1 0: mean layer offset 1/5, so FAB = 4 + 0.2 + image offset. */
    static QuantModel handSetModel() {
        QuantModel m = QuantModel.create(TestGraphs.tinyEdsr(4, 2, 2, 1), new QuantSpec(4, 4, QuantMode.FQ));
        List<String> adaptive = new ArrayList<>();
        for (LayerQuant q : m.layersOfKind(LayerKind.ADAPTIVE)) adaptive.add(q.name());
        assertEquals(ADAPTIVE, adaptive);
        float[] logits = {1f, 0.8f, 0.3f, -1.4f, -0.2f};   // round(clamp) -> +1 +1 0 -1 0
        for (int i = 0; i < logits.length; i++) m.layer(ADAPTIVE.get(i)).setLayerLogit(logits[i]);
        return m;
    }

    /** 150 x 288: x < 96 flat grey, 96..191 a ramp of one grey level per pixel, 192.. uniform noise. */
    static Tensor flatRampNoise() {
        Tensor t = new Tensor(1, 3, 150, 288);
        Random r = new Random(11);
        for (int y = 0; y < 150; y++)
            for (int x = 0; x < 288; x++)
                for (int c = 0; c < 3; c++)
                    t.data[t.index(0, c, y, x)] = x < 96 ? 128 : x < 192 ? 100 + (x - 96) : r.nextInt(256);
        return t;
    }

    @Test void fabForIsTheMeanOfCountedBitsByHand() {
        QuantModel m = handSetModel();
        // head and tail are fixed-8 in fq mode and not counted; bits of the 5 adaptive layers: 4+o+{1,1,0,-1,0}
        assertEquals((4 + 4 + 3 + 2 + 3) / 5.0, m.fabFor(-1), 1e-12);
        assertEquals((5 + 5 + 4 + 3 + 4) / 5.0, m.fabFor(0), 1e-12);
        assertEquals((6 + 6 + 5 + 4 + 5) / 5.0, m.fabFor(1), 1e-12);
        QuantModel allFloat = QuantModel.create(TestGraphs.tinyEdsr(4, 1, 2, 1),
                new QuantSpec(4, 4, QuantMode.BODY, Map.of(), Map.of("*", LayerKind.FLOAT)));
        assertEquals(32.0, allFloat.fabFor(0));
    }

    @Test void fabForMatchesTheFabOfARealQuantizedForward() {
        Graph g = TestGraphs.tinyEdsr(4, 2, 2, 5);
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));
        List<Tensor> patches = List.of(TestGraphs.image(12, 12, 1), TestGraphs.image(12, 12, 2), TestGraphs.image(12, 12, 3));
        try (FakeQuantRunner r = new FakeQuantRunner(m, 1)) {
            Calibrator.calibrate(r, patches, CalibrationMethod.ADABM);
            float[] logits = {1f, -1f, -1f, 0f, 1f};
            for (int i = 0; i < logits.length; i++) m.layer(ADAPTIVE.get(i)).setLayerLogit(logits[i]);
            for (int o = -1; o <= 1; o++)
                assertEquals(r.run(patches.get(0), new int[] {o}, ForwardHooks.NONE).fab()[0], m.fabFor(o), 1e-12, "offset " + o);
        }
    }

    @Test void flatTilesGetFewerBitsNoisyTilesMore() {
        QuantModel m = handSetModel();
        m.imageMap().enable(1.0, 10.0);
        Tensor img = flatRampNoise();
        TileBitMap map = TileBitMap.compute(m, img, 96);
        assertEquals(2, map.rows());
        assertEquals(3, map.cols());
        assertEquals(6, map.tiles().size());
        // ramp: |Gx| = 1/255 inside, half that on the two replicate-padded columns, Gy = 0
        double ramp = 1000 * ((94 + 2 * 0.5) / 96.0 / 255) / 2;
        for (int r = 0; r < 2; r++) {
            assertEquals(0.0, map.at(r, 0).complexity(), 1e-9);
            assertEquals(ramp, map.at(r, 1).complexity(), 1e-9);
            assertTrue(map.at(r, 2).complexity() > 50, "noise complexity " + map.at(r, 2).complexity());
            assertEquals(-1, map.at(r, 0).offset());
            assertEquals(0, map.at(r, 1).offset());
            assertEquals(1, map.at(r, 2).offset());
            assertEquals(3.2, map.at(r, 0).fab(), 1e-12);
            assertEquals(4.2, map.at(r, 1).fab(), 1e-12);
            assertEquals(5.2, map.at(r, 2).fab(), 1e-12);
        }
        assertEquals(54, map.at(1, 0).tile().y());   // the second row ends at the border
        assertEquals("- 0 +\n- 0 +\n", map.offsetGrid());
        assertEquals("-1: 2  0: 2  +1: 2", map.offsetCounts());
        assertEquals(4.2, map.meanTileFab(), 1e-12);
        assertEquals(Map.of(-1, 3.2, 0, 4.2, 1, 5.2).keySet(), map.fabByOffset().keySet());
        assertEquals(5.2, map.fabByOffset().get(1), 1e-12);
        // whole image: a third of the pixels are noise, far above tauHigh
        assertEquals(ImageComplexity.of(img, 0), map.imageComplexity(), 1e-12);
        assertEquals(1, map.imageOffset());
        assertEquals(5.2, map.imageFab(), 1e-12);
    }

    @Test void tileComplexityIsThatOfTheCroppedTile() {
        QuantModel m = handSetModel();
        m.imageMap().enable(20, 40);
        Tensor img = TestGraphs.image(70, 130, 9);
        TileBitMap map = TileBitMap.compute(m, img, 32);
        for (TileBitMap.TileBits tb : map.tiles()) {
            PatchTiles.Tile t = tb.tile();
            Tensor crop = new Tensor(1, 3, t.h(), t.w());
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < t.h(); y++)
                    for (int x = 0; x < t.w(); x++) crop.data[crop.index(0, c, y, x)] = img.get(0, c, t.y() + y, t.x() + x);
            double g = ImageComplexity.of(crop, 0);
            assertEquals(g, tb.complexity(), 0.0);
            assertEquals(g < 20 ? -1 : g > 40 ? 1 : 0, tb.offset());
        }
    }

    @Test void imageMapOffMeansOffsetZeroEverywhere() {
        QuantModel m = handSetModel();
        TileBitMap map = TileBitMap.compute(m, flatRampNoise(), 96);
        for (TileBitMap.TileBits tb : map.tiles()) assertEquals(0, tb.offset());
        assertEquals(List.of(0), List.copyOf(map.fabByOffset().keySet()));
        assertEquals(4.2, map.meanTileFab(), 1e-12);
    }

    @Test void legendLeavesOutOffsetsBeyondEightBits() {
        QuantModel m = QuantModel.create(TestGraphs.tinyEdsr(4, 1, 2, 1), new QuantSpec(8, 8, QuantMode.FQ));
        m.imageMap().enable(1, 2);
        assertEquals(List.of(-1, 0), List.copyOf(TileBitMap.fabByOffset(m).keySet()));
    }

    @Test void smallImagesAndBadInput() {
        QuantModel m = handSetModel();
        m.imageMap().enable(1.0, 10.0);
        TileBitMap one = TileBitMap.compute(m, TestGraphs.image(20, 30, 1), 96);   // smaller than a tile: one tile
        assertEquals(1, one.tiles().size());
        assertEquals(one.imageComplexity(), one.tiles().get(0).complexity(), 0.0);
        assertEquals(one.imageFab(), one.meanTileFab(), 0.0);
        TileBitMap pixel = TileBitMap.compute(m, new Tensor(1, 3, 1, 1), 96);   // degenerate but valid: flat
        assertEquals(-1, pixel.imageOffset());
        assertThrows(AdabmException.class, () -> TileBitMap.compute(m, flatRampNoise(), 7));
        assertThrows(ShapeException.class, () -> TileBitMap.compute(m, new Tensor(1, 1, 32, 32), 16));
        assertThrows(ShapeException.class, () -> TileBitMap.compute(m, new Tensor(2, 3, 32, 32), 16));
    }
}
