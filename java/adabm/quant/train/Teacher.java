package adabm.quant.train;

import adabm.quant.FakeQuantRunner;
import adabm.quant.ForwardHooks;
import adabm.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** The float network's output and residual-block outputs for a batch: the fine-tuning target (ADABM.md §6). */
public record Teacher(Tensor output, Map<String, Tensor> taps) {
    public static Teacher of(FakeQuantRunner runner, Tensor batch) {
        Map<String, Tensor> taps = new LinkedHashMap<>();
        Tensor out = runner.runFloat(batch, new ForwardHooks() {
            @Override public void residualTap(String addNode, Tensor output) { taps.put(addNode, output); }
        }).output();
        return new Teacher(out, taps);
    }
}
