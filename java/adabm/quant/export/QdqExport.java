package adabm.quant.export;

import adabm.AdabmException;
import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.io.onnx.OnnxWriter;
import adabm.io.onnx.proto.OnnxProto;
import adabm.quant.LayerQuant;
import adabm.quant.QuantModel;
import adabm.quant.Quantizers;
import java.util.*;

/**
 * A quantized model as a static QDQ ONNX model (opset 13) at one image offset, the form ONNX Runtime and other int8
 * engines run on int8 kernels. Per quantized conv:
 * <pre>
 *   x -> [Clip, when b &lt; 8] -> QuantizeLinear(s_a, zp) -> DequantizeLinear -> Conv -> [Relu] -> QuantizeLinear(8-bit out) -> DequantizeLinear
 *        weight: DequantizeLinear(int8 codes, s_w, 0);  bias: DequantizeLinear(int32 round(bias / (s_a s_w)), s_a s_w, 0)
 * </pre>
 * What differs from the fake-quantized model (ADABM.md §2), and why:
 * <ul>
 *   <li>Bits are static: every adaptive layer gets base + the chosen image offset + its layer offset; the image
 *       bit map (per-image offsets) cannot be expressed in a static graph.</li>
 *   <li>Activation zero point: AdaBM's grid l + q s_a (s_a = (u - l)/(2^b - 1)) puts real zero at the non-integer code
 *       z = -l/s_a; ONNX needs an integer zero point, so zp = round(z) (clamped to 0..2^b-1) and the grid becomes
 *       (q - zp) s_a: same step and level count, shifted by (z - zp) s_a, at most s_a/2. Codes are clipped to
 *       0..2^b-1 by a Clip to [-zp s_a, (2^b-1-zp) s_a] (QuantizeLinear itself saturates at 0..255 only).</li>
 *   <li>Weights with bw &lt;= 7 are exact: codes 2k - (2^bw - 1), odd integers in int8, scale uw/(2^bw - 1). For
 *       bw = 8 the odd codes reach ±255, which int8 cannot hold with an integer zero point, so the fake-quantized
 *       weights are requantized to symmetric int8 codes round(wq / (uw/127)) (error up to half of that step).</li>
 *   <li>Bias is int32 at scale s_a s_w, as ONNX Runtime's int8 conv requires (rounding error at most s_a s_w / 2).</li>
 *   <li>Each quantized conv's output (after its ReLU when a ReLU is its only consumer) is quantized to uint8 over a
 *       measured range ({@link OutputRanges}); ONNX Runtime fuses a conv into an int8 kernel only with a quantized
 *       output. The fake-quantized model keeps conv outputs in float32.</li>
 * </ul>
 * Float layers (body-only mode) and every non-conv op stay float32.
 */
public final class QdqExport {
    private QdqExport() { }

    /** Relu output tensor -> conv name, for each conv whose only consumer is a ReLU (and not the graph output). */
    static Map<String, String> fusedRelus(Graph g) {
        Map<String, List<Op>> consumers = new HashMap<>();
        for (Op op : g.ops()) for (String in : op.inputs()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(op);
        Map<String, String> out = new HashMap<>();
        for (Op.Conv2d c : g.convs()) {
            List<Op> users = consumers.getOrDefault(c.output(), List.of());
            if (users.size() == 1 && users.getFirst() instanceof Op.Relu r && !c.output().equals(g.output())) out.put(r.output(), c.name());
        }
        return out;
    }

    /** Activation quantizer of one conv as written: step, integer zero point, bits. */
    public record ActivationGrid(float scale, int zeroPoint, int bits) {
        public static ActivationGrid of(LayerQuant q, int imageOffset) {
            int b = q.activationBits(imageOffset), n = Quantizers.levels(b);
            float s = (q.upper() - q.lower()) / n;
            int zp = (int) Math.max(0, Math.min(n, Math.rint(-q.lower() / s)));
            return new ActivationGrid(s, zp, b);
        }
        public float low() { return -zeroPoint * scale; }
        public float high() { return (Quantizers.levels(bits) - zeroPoint) * scale; }
    }

    /**
     * The QDQ model.
     * @param outputRanges conv name -> {min, max} of its output (see {@link OutputRanges}), for every quantized conv
     */
    public static OnnxProto.ModelProto export(QuantModel model, int imageOffset, Map<String, float[]> outputRanges) {
        if (imageOffset < -1 || imageOffset > 1) throw new IllegalArgumentException("image offset must be -1, 0 or 1, got " + imageOffset);
        Graph g = model.graph();
        for (LayerQuant q : model.layers()) {
            if (!q.kind().quantized()) continue;
            if (!q.calibrated()) throw new AdabmException("layer " + q.name() + " is not calibrated; export a calibrated artifact");
            q.activationBits(imageOffset);    // bits outside 2..8 fail here, naming the layer
            float[] r = outputRanges.get(q.name());
            if (r == null || !(r[1] >= r[0])) throw new IllegalArgumentException("no output range for conv " + q.name());
        }
        Map<String, String> fused = fusedRelus(g);
        Set<String> fusedConvs = new HashSet<>(fused.values());
        OnnxWriter.OpEmitter emitter = (op, w) -> {
            if (op instanceof Op.Conv2d c && model.layer(c.name()).kind().quantized()) {
                String relu = fusedConvs.contains(c.name()) ? reluOutput(fused, c.name()) : null;
                emitConv(w, model.layer(c.name()), imageOffset, outputRanges.get(c.name()), relu);
                return true;
            }
            // a fused ReLU was written with its conv
            return op instanceof Op.Relu r && fused.containsKey(r.output()) && model.layer(fused.get(r.output())).kind().quantized();
        };
        String doc = "adabm QDQ export at image offset " + imageOffset + " (static bits); FAB " + model.fabFor(imageOffset);
        return OnnxWriter.write(g, emitter, doc);
    }

    private static String reluOutput(Map<String, String> fused, String conv) {
        for (Map.Entry<String, String> e : fused.entrySet()) if (e.getValue().equals(conv)) return e.getKey();
        throw new IllegalStateException(conv);
    }

    private static void emitConv(OnnxWriter w, LayerQuant q, int imageOffset, float[] range, String reluOutput) {
        Op.Conv2d c = q.conv();
        String n = c.name();
        ActivationGrid a = ActivationGrid.of(q, imageOffset);
        String x = c.input();
        if (a.bits() < 8) {
            w.node("Clip", n + ".a_clip", n + ".a_clipped", x, w.floats(n + ".a_low", new float[] {a.low()}),
                    w.floats(n + ".a_high", new float[] {a.high()}));
            x = n + ".a_clipped";
        }
        String as = w.floats(n + ".a_scale", new float[] {a.scale()});
        String az = w.uint8s(n + ".a_zero", new byte[] {(byte) a.zeroPoint()});
        w.node("QuantizeLinear", n + ".a_quant", n + ".a_q", x, as, az);
        w.node("DequantizeLinear", n + ".a_dequant", n + ".a_dq", n + ".a_q", as, az);

        WeightCodes wc = WeightCodes.of(q);
        String wt = w.int8s(n + ".w_codes", wc.codes(), c.outChannels(), c.inPerGroup(), c.kernelH(), c.kernelW());
        String ws = w.floats(n + ".w_scale", new float[] {wc.scale()});
        String wz = w.int8s(n + ".w_zero", new byte[] {0});
        w.node("DequantizeLinear", n + ".w_dequant", n + ".w_dq", wt, ws, wz);

        float bs = a.scale() * wc.scale();
        int[] bcodes = new int[c.outChannels()];
        for (int o = 0; o < bcodes.length; o++) bcodes[o] = (int) Math.max(Integer.MIN_VALUE + 1, Math.min(Integer.MAX_VALUE, Math.rint(c.bias()[o] / bs)));
        String bt = w.int32s(n + ".b_codes", bcodes, c.outChannels());
        String bsn = w.floats(n + ".b_scale", new float[] {bs});
        String bz = w.int32s(n + ".b_zero", new int[] {0});
        w.node("DequantizeLinear", n + ".b_dequant", n + ".b_dq", bt, bsn, bz);

        w.conv(c, n + ".a_dq", n + ".w_dq", n + ".b_dq", n + ".y");
        String y = n + ".y", out = c.output();
        if (reluOutput != null) {
            w.node("Relu", n + ".relu", n + ".y_relu", y);
            y = n + ".y_relu";
            out = reluOutput;
        }
        float lo = Math.min(0f, range[0]), hi = Math.max(0f, range[1]);
        if (hi - lo < 1e-6f) hi = lo + 1e-6f;
        float os = (hi - lo) / 255f;
        int oz = (int) Math.max(0, Math.min(255, Math.rint(-lo / os)));
        String osn = w.floats(n + ".o_scale", new float[] {os});
        String ozn = w.uint8s(n + ".o_zero", new byte[] {(byte) oz});
        w.node("QuantizeLinear", n + ".o_quant", n + ".o_q", y, osn, ozn);
        w.node("DequantizeLinear", n + ".o_dequant", out, n + ".o_q", osn, ozn);
    }

    /** int8 weight codes and their scale (exact for bw <= 7, requantized for bw = 8; see the class comment). */
    record WeightCodes(byte[] codes, float scale) {
        static WeightCodes of(LayerQuant q) {
            float[] wt = q.conv().weight();
            float uw = q.weightBound();
            int bw = q.weightBits(), nw = Quantizers.levels(bw);
            byte[] codes = new byte[wt.length];
            if (bw <= 7) {
                for (int i = 0; i < wt.length; i++) {
                    float wc = Math.min(Math.max(wt[i], -uw), uw);
                    int k = (int) Math.rint((wc + uw) / (2 * uw) * nw);
                    codes[i] = (byte) (2 * k - nw);
                }
                return new WeightCodes(codes, uw / nw);
            }
            float s = uw / 127f;
            float[] wq = Quantizers.weights(wt, uw, bw);
            for (int i = 0; i < wt.length; i++) codes[i] = (byte) Math.max(-127, Math.min(127, Math.rint(wq[i] / s)));
            return new WeightCodes(codes, s);
        }
    }
}
