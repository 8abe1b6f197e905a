package adabm.quant.train;

import adabm.quant.FakeQuantRunner;
import adabm.quant.ForwardHooks;
import adabm.tensor.Layout;
import adabm.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** The float network's output and residual-block outputs for a batch: the fine-tuning target (ADABM.md §6). */
public record Teacher(Tensor output, Map<String, Tensor> taps) {
    /** The same values channels last, as the fine-tuning {@link Tape} records them. */
    public Teacher channelsLast() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : taps.entrySet()) t.put(e.getKey(), Layout.toNhwc(e.getValue()));
        return new Teacher(Layout.toNhwc(output), t);
    }

    public static Teacher of(FakeQuantRunner runner, Tensor batch) {
        Map<String, Tensor> taps = new LinkedHashMap<>();
        Tensor out = runner.runFloat(batch, new ForwardHooks() {
            @Override public void residualTap(String addNode, Tensor output) { taps.put(addNode, output); }
        }).output();
        return new Teacher(out, taps);
    }
}
