package adabm.quant.train;

/**
 * Adam (beta1 0.9, beta2 0.999, eps 1e-8) over a fixed-length parameter vector, with bias correction. The moments
 * and step count persist across calls, so one instance serves every visit of a fine-tuning stage (ADABM.md §6).
 */
public final class Adam {
    public static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;
    private final double[] m, v;
    private int t;

    public Adam(int size) {
        m = new double[size];
        v = new double[size];
    }

    public int steps() { return t; }

    /** The update to add to each parameter for these gradients and per-parameter learning rates. */
    public double[] step(double[] grad, double[] lr) {
        if (grad.length != m.length || lr.length != m.length)
            throw new IllegalArgumentException("Adam over " + m.length + " parameters got " + grad.length + " gradients, " + lr.length + " rates");
        t++;
        double c1 = 1 - Math.pow(BETA1, t), c2 = 1 - Math.pow(BETA2, t);
        double[] delta = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = BETA1 * m[i] + (1 - BETA1) * grad[i];
            v[i] = BETA2 * v[i] + (1 - BETA2) * grad[i] * grad[i];
            delta[i] = -lr[i] * (m[i] / c1) / (Math.sqrt(v[i] / c2) + EPS);
        }
        return delta;
    }
}
