package adabm.io.torch;

import adabm.graph.Graph;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs a graph in float64 (the ops the torch builders emit), as a near-exact yardstick: comparing the float32
 * reference backend and the float32 PyTorch golden against it shows how much of their difference is rounding.
 */
final class DoubleOracle {
    private DoubleOracle() { }

    private record T(int c, int h, int w, double[] v) {
        double at(int ch, int y, int x) { return v[(ch * h + y) * w + x]; }
    }

    static double[] run(Graph g, Tensor in) {
        Map<String, T> env = new HashMap<>();
        double[] x0 = new double[in.size()];
        for (int i = 0; i < x0.length; i++) x0[i] = in.data[i];
        env.put(g.input(), new T(in.c, in.h, in.w, x0));
        for (Op op : g.ops()) {
            T x = env.get(op.inputs().get(0));
            T y = switch (op) {
                case Op.Conv2d c -> conv(x, c);
                case Op.Relu r -> map(x, (ch, v) -> Math.max(v, 0));
                case Op.PRelu p -> map(x, (ch, v) -> v >= 0 ? v : p.slopes()[p.slopes().length == 1 ? 0 : ch] * v);
                case Op.Affine a -> map(x, (ch, v) -> v * a.scale()[a.scale().length == 1 ? 0 : ch] + a.shift()[a.shift().length == 1 ? 0 : ch]);
                case Op.Add a -> {
                    T b = env.get(a.b());
                    double[] v = new double[x.v.length];
                    for (int i = 0; i < v.length; i++) v[i] = x.v[i] + b.v[i];
                    yield new T(x.c, x.h, x.w, v);
                }
                case Op.Concat c -> {
                    int ch = 0;
                    for (String s : c.inputs()) ch += env.get(s).c;
                    double[] v = new double[ch * x.h * x.w];
                    int at = 0;
                    for (String s : c.inputs()) { double[] src = env.get(s).v; System.arraycopy(src, 0, v, at, src.length); at += src.length; }
                    yield new T(ch, x.h, x.w, v);
                }
                case Op.DepthToSpace d -> {
                    int b = d.block(), oc = x.c / (b * b);
                    double[] v = new double[x.v.length];
                    for (int c = 0; c < oc; c++)
                        for (int yy = 0; yy < x.h * b; yy++)
                            for (int xx = 0; xx < x.w * b; xx++)
                                v[(c * x.h * b + yy) * x.w * b + xx] = x.at(c * b * b + (yy % b) * b + xx % b, yy / b, xx / b);
                    yield new T(oc, x.h * b, x.w * b, v);
                }
                default -> throw new UnsupportedOperationException(op.getClass().getSimpleName());
            };
            env.put(op.output(), y);
        }
        return env.get(g.output()).v;
    }

    private interface ChannelFn { double apply(int ch, double v); }

    private static T map(T x, ChannelFn f) {
        double[] v = new double[x.v.length];
        int plane = x.h * x.w;
        for (int i = 0; i < v.length; i++) v[i] = f.apply(i / plane, x.v[i]);
        return new T(x.c, x.h, x.w, v);
    }

    private static T conv(T x, Op.Conv2d c) {
        int k = c.kernelH(), p = c.padTop(), ipg = c.inPerGroup(), opg = c.outPerGroup();
        double[] v = new double[c.outChannels() * x.h * x.w];
        for (int o = 0; o < c.outChannels(); o++) {
            int g = o / opg;
            for (int y = 0; y < x.h; y++)
                for (int xx = 0; xx < x.w; xx++) {
                    double s = c.bias()[o];
                    for (int i = 0; i < ipg; i++)
                        for (int ky = 0; ky < k; ky++) {
                            int iy = y + ky - p;
                            if (iy < 0 || iy >= x.h) continue;
                            for (int kx = 0; kx < k; kx++) {
                                int ix = xx + kx - p;
                                if (ix < 0 || ix >= x.w) continue;
                                s += c.weight()[((o * ipg + i) * k + ky) * k + kx] * x.at(g * ipg + i, iy, ix);
                            }
                        }
                    v[(o * x.h + y) * x.w + xx] = s;
                }
        }
        return new T(c.outChannels(), x.h, x.w, v);
    }
}
