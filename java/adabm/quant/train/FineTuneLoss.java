package adabm.quant.train;

import adabm.ShapeException;
import adabm.quant.Parallel;
import adabm.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fine-tuning loss of ADABM.md §6 and its gradient w.r.t. the quantized network's output, residual taps and
 * batch FAB. The float network is the teacher:
 * L = mean|SR_q - SR_fp| + 10 * sum_{b,s} ||f_b[s] - f_b^fp[s]||_2 / (B * nBlocks * B) + lambdaBit * max(FAB - base, 0)
 * with f_b = out_b / ||out_b||_F over the whole batch tensor. Computed in double.
 */
public final class FineTuneLoss {
    public static final double DISTILL_WEIGHT = 10, DEFAULT_LAMBDA_BIT = 50;

    private FineTuneLoss() { }

    /** The loss, its three terms, and the gradients the tape's backward takes. */
    public record Value(double total, double l1, double distill, double bit,
                        Tensor dOutput, Map<String, Tensor> dTaps, double dBatchFab) { }

    /**
     * @param taps      the quantized network's residual taps, by Add node name
     * @param teacherTaps the float network's taps, same names
     * @param lambdaBit 0 outside "measure" stages
     */
    public static Value compute(Tensor output, Tensor teacher, Map<String, Tensor> taps, Map<String, Tensor> teacherTaps,
                                double batchFab, int baseBits, double lambdaBit) {
        sameShape(output, teacher, "output");
        // L1 mean; its subgradient is 0 where the outputs agree
        Tensor dOut = new Tensor(output.n, output.c, output.h, output.w);
        double l1 = 0, inv = 1.0 / output.data.length;
        for (int i = 0; i < output.data.length; i++) {
            double d = (double) output.data[i] - teacher.data[i];
            l1 += Math.abs(d);
            dOut.data[i] = (float) (Math.signum(d) * inv);
        }
        l1 *= inv;
        // feature distillation: one tap per task, the terms then added in tap order
        int blocks = taps.size(), batch = output.n;
        double coef = blocks == 0 ? 0 : DISTILL_WEIGHT / ((double) batch * blocks * batch);
        List<String> names = List.copyOf(taps.keySet());
        for (String name : names) {
            Tensor t = teacherTaps.get(name);
            if (t == null) throw new IllegalArgumentException("teacher has no residual tap '" + name + "'");
            sameShape(taps.get(name), t, "tap " + name);
        }
        double[] terms = new double[names.size()];
        Tensor[] grads = new Tensor[names.size()];
        Parallel.each(names.size(), i -> {
            Tensor o = taps.get(names.get(i));
            grads[i] = new Tensor(o.n, o.c, o.h, o.w);
            terms[i] = distillTap(o, teacherTaps.get(names.get(i)), coef, grads[i]);
        });
        Map<String, Tensor> dTaps = new LinkedHashMap<>();
        double distill = 0;
        for (int i = 0; i < names.size(); i++) { distill += terms[i]; dTaps.put(names.get(i), grads[i]); }
        double excess = batchFab - baseBits;
        double bit = lambdaBit * Math.max(excess, 0);
        double dFab = excess > 0 ? lambdaBit : 0;
        return new Value(l1 + distill + bit, l1, distill, bit, dOut, dTaps, dFab);
    }

    /**
     * One tap's distillation term; its gradient w.r.t. the quantized tap goes into d. With f = o/||o||, g = f^fp and
     * per sample e_s = f[s] - g[s]: term = coef * sum_s ||e_s||, dL/df = coef * e_s / ||e_s||, and through the
     * normalisation dL/do = (dL/df - f (f . dL/df)) / ||o||. Two passes, no per-value divisions.
     */
    private static double distillTap(Tensor o, Tensor t, double coef, Tensor d) {
        double io = 1 / frobenius(o), it = 1 / frobenius(t);
        int plane = o.c * o.h * o.w;
        double distill = 0, fg = 0;                // fg = f . dL/df
        double[] scale = new double[o.n];          // dL/df = scale[s] * e_s
        for (int s = 0; s < o.n; s++) {
            double ss = 0, eo = 0;                 // ||e_s||^2 and e_s . o[s]
            for (int k = s * plane; k < (s + 1) * plane; k++) {
                double e = o.data[k] * io - t.data[k] * it;
                ss += e * e;
                eo += e * o.data[k];
            }
            double norm = Math.sqrt(ss);
            distill += coef * norm;
            scale[s] = norm > 0 ? coef / norm : 0;
            fg += scale[s] * eo * io;
        }
        for (int s = 0; s < o.n; s++)
            for (int k = s * plane; k < (s + 1) * plane; k++) {
                double e = o.data[k] * io - t.data[k] * it;
                d.data[k] = (float) ((scale[s] * e - o.data[k] * io * fg) * io);
            }
        return distill;
    }

    private static double frobenius(Tensor t) {
        double ss = 0;
        for (float v : t.data) ss += (double) v * v;
        if (ss == 0) throw new ArithmeticException("residual tap is all zero: its normalised feature is undefined");
        return Math.sqrt(ss);
    }

    private static void sameShape(Tensor a, Tensor b, String what) {
        if (a.n != b.n || a.c != b.c || a.h != b.h || a.w != b.w)
            throw new ShapeException(what + ": quantized " + a.shape() + " vs teacher " + b.shape());
    }
}
