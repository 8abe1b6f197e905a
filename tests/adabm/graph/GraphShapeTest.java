package adabm.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adabm.ShapeException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Shape inference refuses sizes that would overflow an int side or a tensor's int-indexed storage, naming the node. */
class GraphShapeTest {
    static Graph upscaler(int scale) {
        return new Graph("resize", "x", 3, List.of(new Op.ResizeNearest("up", "x", "y", scale), new Op.Relu("act", "y", "z")), "z", Map.of());
    }

    @Test void ordinarySizesInfer() {
        assertEquals(new Graph.Shape(3, 64, 96), upscaler(4).inferShapes(16, 24).get("z"));
    }

    @Test void tensorsTooLargeForAnArrayNameTheNode() {
        ShapeException e = assertThrows(ShapeException.class, () -> upscaler(8).inferShapes(20000, 20000));
        assertTrue(e.getMessage().contains("node 'up'"), e.getMessage());
    }

    @Test void sidesPastIntRangeNameTheNode() {
        ShapeException e = assertThrows(ShapeException.class, () -> upscaler(1 << 16).inferShapes(1 << 16, 1));
        assertTrue(e.getMessage().contains("node 'up'") && e.getMessage().contains("too large"), e.getMessage());
    }
}
