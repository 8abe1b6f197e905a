package adabm.quant.export;

import adabm.backend.ConvKernels;
import adabm.backend.ref.RefKernels;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.quant.FakeQuantRunner;
import adabm.quant.LayerQuant;
import adabm.quant.QuantModel;
import adabm.quant.Quantizers;
import adabm.tensor.Tensor;
import java.util.*;

/**
 * Min/max of each quantized conv's output (after its ReLU where the conv feeds only a ReLU) over a fake-quantized
 * forward at one image offset: the ranges of the 8-bit output quantizers a QDQ model needs, because ONNX Runtime runs
 * a conv in int8 only when its output is quantized too. The forward is the same as {@link FakeQuantRunner}'s.
 */
public final class OutputRanges {
    private OutputRanges() { }

    /** conv name -> {min, max}, both including 0 (so the real zero is a code). */
    public static Map<String, float[]> measure(QuantModel model, int imageOffset, List<Tensor> images, ConvKernels kernels) {
        Graph g = model.graph();
        Map<String, String> fusedRelu = QdqExport.fusedRelus(g);          // relu output -> conv name
        Map<String, float[]> ranges = new LinkedHashMap<>();
        Map<String, float[]> weights = new HashMap<>();
        for (Tensor image : images) {
            g.inferShapes(image.h, image.w);
            Map<String, Tensor> values = new HashMap<>();
            values.put(g.input(), image);
            for (Op op : g.ops()) {
                Tensor out;
                String rangeOf = null;
                if (op instanceof Op.Conv2d c && model.layer(c.name()).kind().quantized()) {
                    LayerQuant q = model.layer(c.name());
                    int[] bits = new int[image.n];
                    Arrays.fill(bits, q.activationBits(imageOffset));
                    float[] wq = weights.computeIfAbsent(c.name(), k -> Quantizers.weights(c.weight(), q.weightBound(), q.weightBits()));
                    out = kernels.forward(c, wq, FakeQuantRunner.quantizeInput(q, values.get(c.input()), bits));
                    if (!fusedRelu.containsValue(c.name())) rangeOf = c.name();
                } else if (op instanceof Op.Conv2d c) {
                    out = kernels.forward(c, c.weight(), values.get(c.input()));
                } else {
                    out = RefKernels.apply(op, values, null);
                    String conv = fusedRelu.get(op.output());
                    if (conv != null && model.layer(conv).kind().quantized()) rangeOf = conv;
                }
                if (rangeOf != null) {
                    float[] r = ranges.computeIfAbsent(rangeOf, k -> new float[] {0f, 0f});
                    for (float v : out.data) { if (v < r[0]) r[0] = v; if (v > r[1]) r[1] = v; }
                }
                values.put(op.output(), out);
            }
        }
        return ranges;
    }
}
