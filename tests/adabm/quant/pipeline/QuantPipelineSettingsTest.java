package adabm.quant.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import adabm.TestGraphs;
import adabm.graph.Graph;
import adabm.quant.CalibrationMethod;
import adabm.quant.QuantMode;
import adabm.quant.QuantSpec;
import org.junit.jupiter.api.Test;

/** Which fine-tuner options a run really uses: bit-aware clipping for AdaBM only (and off when asked), 0 epochs without FT. */
class QuantPipelineSettingsTest {
    static QuantPipeline.Settings settings(CalibrationMethod m) {
        Graph g = TestGraphs.tinyEdsr(4, 2, 2, 31);
        return QuantPipeline.Settings.defaults(g, new QuantSpec(4, 4, QuantMode.FQ), m);
    }

    @Test void adabmClipsUnlessTurnedOffAndBaselinesNever() {
        QuantPipeline.Settings adabm = settings(CalibrationMethod.ADABM);
        assertTrue(adabm.effectiveFineTuning().clipping());
        assertFalse(adabm.withFineTuning(adabm.fineTuning().withClipping(false)).effectiveFineTuning().clipping());
        for (CalibrationMethod m : new CalibrationMethod[] {CalibrationMethod.MINMAX, CalibrationMethod.PERCENTILE}) {
            QuantPipeline.Settings s = settings(m);
            assertTrue(s.fineTuning().clipping(), "the default options ask for clipping");
            assertFalse(s.effectiveFineTuning().clipping(), m + " never clips");
        }
        assertEquals(10, adabm.effectiveFineTuning().epochs());
        assertEquals(0, adabm.withFineTune(false).effectiveFineTuning().epochs());
    }
}
