package adabm.quant;

import java.util.Arrays;

/**
 * Percentiles with linear interpolation between order statistics (numpy's default): position p/100 * (n - 1).
 * The float version uses selection instead of a full sort, as activation tensors hold millions of values.
 */
public final class Percentiles {
    private Percentiles() { }

    public static double of(double[] values, double p) {
        checkP(p, values.length);
        double[] s = values.clone();
        Arrays.sort(s);
        double pos = p / 100 * (s.length - 1);
        int lo = (int) Math.floor(pos);
        if (lo >= s.length - 1) return s[s.length - 1];
        return s[lo] + (pos - lo) * (s[lo + 1] - s[lo]);
    }

    /** Percentile of values[from, from+len); the array is not modified. */
    public static double of(float[] values, int from, int len, double p) {
        checkP(p, len);
        float[] a = Arrays.copyOfRange(values, from, from + len);
        double pos = p / 100 * (len - 1);
        int lo = (int) Math.floor(pos);
        float vlo = select(a, lo);
        if (lo >= len - 1 || pos == lo) return vlo;
        float vhi = a[lo + 1];                      // after select, everything right of lo is >= a[lo]
        for (int i = lo + 2; i < len; i++) vhi = Math.min(vhi, a[i]);
        return vlo + (pos - lo) * ((double) vhi - vlo);
    }

    private static void checkP(double p, int n) {
        if (n == 0) throw new IllegalArgumentException("percentile of an empty set");
        if (!(p >= 0 && p <= 100)) throw new IllegalArgumentException("percentile " + p + " is outside 0..100");
    }

    /** Wirth's selection (Hoare partitioning, robust to many equal values): a[k] ends as the k-th smallest. */
    private static float select(float[] a, int k) {
        int l = 0, m = a.length - 1;
        while (l < m) {
            float x = a[k];
            int i = l, j = m;
            do {
                while (a[i] < x) i++;
                while (x < a[j]) j--;
                if (i <= j) { float t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
            } while (i <= j);
            if (j < k) l = i;
            if (k < i) m = j;
        }
        return a[k];
    }
}
