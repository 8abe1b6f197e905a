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
 *       0..2^b-1 by a Clip to [-zp s_a, (2^b-1-zp) s_a] (QuantizeLinear itself saturates at 0..255 only).
 *       Optionally ({@code shiftZeroPoint}) an Add of delta = (z - zp) s_a before the Clip makes the codes exactly
 *       AdaBM's, and the bias gets -delta * sum(w) back; that is exact except on each conv's zero-padded border ring,
 *       and measured no better on EDSR-8 (see QdqExportTest), so it is off by default; a layer whose [l, u] does not
 *       contain 0 (zp would be clamped and the grid moved by more than a step) always gets the shift.</li>
 *   <li>Weights: the fake-quantized weight is s_w m with odd m in ±(2^bw - 1); written as int8 codes with one scale
 *       per output channel (DequantizeLinear axis 0): exact for bw &lt;= 7, and for bw = 8 channels whose |m| stays
 *       within 127; other 8-bit channels are requantized to scale max|wq|/127 (error up to half that step). A single
 *       per-tensor int8 scale for 8-bit weights cost 1.5 dB on EDSR-8, per-channel scales remove almost all of it.</li>
 *   <li>Bias is int32 at scale s_a s_w (per channel), as ONNX Runtime's int8 conv requires (rounding error at most
 *       s_a s_w / 2).</li>
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
    public record ActivationGrid(float lower, float scale, int zeroPoint, int bits) {
        public static ActivationGrid of(LayerQuant q, int imageOffset) {
            int b = q.activationBits(imageOffset), n = Quantizers.levels(b);
            float s = (q.upper() - q.lower()) / n;
            int zp = (int) Math.max(0, Math.min(n, Math.rint(-q.lower() / s)));
            return new ActivationGrid(q.lower(), s, zp, b);
        }
        /** The input shift (z - zp) s_a = -l - zp s_a that puts AdaBM's grid on the integer zero point (0 when z is one). */
        public float shift() { return -lower - zeroPoint * scale; }
        /**
         * Whether real zero lies in [l, u]. If not (e.g. an all-positive input), rounding z would clamp the zero point
         * and move the whole grid, so that layer always gets the shift.
         */
        public boolean zeroInRange() { return lower <= 0 && lower + Quantizers.levels(bits) * scale >= 0; }
        public float low() { return -zeroPoint * scale; }
        public float high() { return (Quantizers.levels(bits) - zeroPoint) * scale; }
    }

    /**
     * The QDQ model.
     * @param outputRanges conv name -> {min, max} of its output (see {@link OutputRanges}), for every quantized conv
     */
    public static OnnxProto.ModelProto export(QuantModel model, int imageOffset, Map<String, float[]> outputRanges) {
        return export(model, imageOffset, outputRanges, false);
    }

    /** @param shiftZeroPoint add the input shift that makes the integer zero point exact (else zp = round(z) alone) */
    public static OnnxProto.ModelProto export(QuantModel model, int imageOffset, Map<String, float[]> outputRanges, boolean shiftZeroPoint) {
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
                emitConv(w, model.layer(c.name()), imageOffset, outputRanges.get(c.name()), relu, shiftZeroPoint);
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

    private static void emitConv(OnnxWriter w, LayerQuant q, int imageOffset, float[] range, String reluOutput, boolean shiftZeroPoint) {
        Op.Conv2d c = q.conv();
        String n = c.name();
        ActivationGrid a = ActivationGrid.of(q, imageOffset);
        String x = c.input();
        // x + delta on the integer-zero-point grid quantizes exactly as x on AdaBM's grid; the conv of the extra
        // delta is removed again through the bias (exact away from the zero-padded border)
        float delta = shiftZeroPoint || !a.zeroInRange() ? a.shift() : 0f;
        if (delta != 0f) {
            w.node("Add", n + ".a_shift", n + ".a_shifted", x, w.floats(n + ".a_delta", new float[] {delta}));
            x = n + ".a_shifted";
        }
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
        int oc = c.outChannels();
        String wt = w.int8s(n + ".w_codes", wc.codes(), oc, c.inPerGroup(), c.kernelH(), c.kernelW());
        String ws = w.floats(n + ".w_scale", wc.scales(), oc);
        String wz = w.int8s(n + ".w_zero", new byte[oc], oc);
        w.node("DequantizeLinear", n + ".w_dequant", n + ".w_dq", wt, ws, wz).addAttribute(axis0());

        float[] bias = shiftedBias(c, wc, delta), bs = new float[oc];
        int[] bcodes = new int[oc];
        for (int o = 0; o < oc; o++) {
            bs[o] = a.scale() * wc.scales()[o];
            bcodes[o] = (int) Math.max(Integer.MIN_VALUE + 1, Math.min(Integer.MAX_VALUE, Math.rint(bias[o] / bs[o])));
        }
        String bt = w.int32s(n + ".b_codes", bcodes, oc);
        String bsn = w.floats(n + ".b_scale", bs, oc);
        String bz = w.int32s(n + ".b_zero", new int[oc], oc);
        w.node("DequantizeLinear", n + ".b_dequant", n + ".b_dq", bt, bsn, bz).addAttribute(axis0());

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

    private static OnnxProto.AttributeProto axis0() {
        return OnnxProto.AttributeProto.newBuilder().setName("axis").setI(0).setType(OnnxProto.AttributeProto.AttributeType.INT).build();
    }

    /** bias - delta * (sum of the written weights of each output channel): undoes the conv of the input shift. */
    static float[] shiftedBias(Op.Conv2d c, WeightCodes wc, float delta) {
        float[] b = c.bias().clone();
        if (delta == 0f) return b;
        int per = c.inPerGroup() * c.kernelH() * c.kernelW();
        for (int o = 0; o < c.outChannels(); o++) {
            long sum = 0;
            for (int i = 0; i < per; i++) sum += wc.codes()[o * per + i];
            b[o] = (float) (b[o] - (double) delta * sum * wc.scales()[o]);
        }
        return b;
    }

    /**
     * int8 weight codes (OIHW) and one scale per output channel. The fake-quantized weight is s_w m with
     * s_w = uw/(2^bw - 1) and odd m in ±(2^bw - 1): exact in int8 wherever a channel's |m| stays within 127 (always for
     * bw <= 7). A bw = 8 channel with larger codes is requantized: scale max|wq|/127, codes round(wq / scale).
     */
    record WeightCodes(byte[] codes, float[] scales) {
        static WeightCodes of(LayerQuant q) {
            Op.Conv2d c = q.conv();
            float uw = q.weightBound();
            int bw = q.weightBits(), nw = Quantizers.levels(bw);
            float sw = uw / nw;
            float[] wq = Quantizers.weights(c.weight(), uw, bw);
            int per = c.inPerGroup() * c.kernelH() * c.kernelW();
            byte[] codes = new byte[wq.length];
            float[] scales = new float[c.outChannels()];
            for (int o = 0; o < scales.length; o++) {
                int maxCode = 0;
                float maxAbs = 0;
                for (int i = o * per; i < (o + 1) * per; i++) {
                    maxCode = Math.max(maxCode, (int) Math.abs(Math.rint(wq[i] / sw)));
                    maxAbs = Math.max(maxAbs, Math.abs(wq[i]));
                }
                float s = maxCode <= 127 ? sw : maxAbs / 127f;
                scales[o] = s;
                for (int i = o * per; i < (o + 1) * per; i++) codes[i] = (byte) Math.max(-127, Math.min(127, Math.rint(wq[i] / s)));
            }
            return new WeightCodes(codes, scales);
        }
    }
}
