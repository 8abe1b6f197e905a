package adabm.tensor;

import adabm.ShapeException;
import java.util.Arrays;

/**
 * A dense float32 NCHW tensor on the Java heap. Images travel as [1,3,H,W] on the 0..255 scale.
 * Native backends copy into arena-owned memory; this class holds no native resources.
 */
public final class Tensor {
    public final int n, c, h, w;
    public final float[] data;

    public Tensor(int n, int c, int h, int w) {
        this(n, c, h, w, new float[checkedSize(n, c, h, w)]);
    }

    public Tensor(int n, int c, int h, int w, float[] data) {
        long size = checkedSize(n, c, h, w);
        if (data.length != size)
            throw new ShapeException("tensor data has " + data.length + " floats, shape " + shapeString(n, c, h, w) + " needs " + size);
        this.n = n; this.c = c; this.h = h; this.w = w; this.data = data;
    }

    private static int checkedSize(int n, int c, int h, int w) {
        if (n <= 0 || c <= 0 || h <= 0 || w <= 0)
            throw new ShapeException("tensor shape " + shapeString(n, c, h, w) + " has a non-positive dimension");
        long size = (long) n * c * h * w;
        if (size > Integer.MAX_VALUE - 8)
            throw new ShapeException("tensor shape " + shapeString(n, c, h, w) + " is too large for one array (" + size + " floats)");
        return (int) size;
    }

    public static String shapeString(int n, int c, int h, int w) { return "[" + n + "," + c + "," + h + "," + w + "]"; }

    public String shape() { return shapeString(n, c, h, w); }

    public int size() { return data.length; }

    public int index(int in, int ic, int y, int x) { return ((in * c + ic) * h + y) * w + x; }

    public float get(int in, int ic, int y, int x) { return data[index(in, ic, y, x)]; }

    public Tensor copy() { return new Tensor(n, c, h, w, data.clone()); }

    /** One sample of a batch as its own [1,C,H,W] tensor (a copy). */
    public Tensor sample(int i) {
        int plane = c * h * w;
        return new Tensor(1, c, h, w, Arrays.copyOfRange(data, i * plane, (i + 1) * plane));
    }

    public float maxAbsDiff(Tensor o) {
        if (o.n != n || o.c != c || o.h != h || o.w != w)
            throw new ShapeException("cannot compare " + shape() + " with " + o.shape());
        float m = 0;
        for (int i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i] - o.data[i]));
        return m;
    }
}
