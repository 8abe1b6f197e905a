package adabm.bench;

import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import adabm.graph.Op;
import adabm.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Random;

/**
 * The three passes of one conv on a backend's {@link ConvKernels} (default: EDSR's 64 -> 64 3x3 on 2 x 64 x 96 x 96),
 * wall time and the calling thread's CPU time per call, and the rate in GMAC/s. With 1 thread oneDNN runs on the
 * calling thread, so its CPU time is the kernel's own cost even on a busy machine.
 * Run: bench/run ConvKernelsBench [backend=onednn] [threads=1] [channels=64] [size=96] [batch=2] [reps=20]
 */
public final class ConvKernelsBench {
    public static void main(String[] args) {
        String backend = args.length > 0 ? args[0] : "onednn";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int ch = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int size = args.length > 3 ? Integer.parseInt(args[3]) : 96;
        int batch = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        int reps = args.length > 5 ? Integer.parseInt(args[5]) : 20;
        Random r = new Random(1);
        float[] w = new float[ch * ch * 9], b = new float[ch];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian() * 0.05f;
        Op.Conv2d conv = new Op.Conv2d("conv", "x", "y", ch, ch, 3, 3, 1, 1, 1, 1, 1, w, b);
        Tensor x = new Tensor(batch, ch, size, size);
        for (int i = 0; i < x.data.length; i++) x.data[i] = r.nextFloat();
        double macs = (double) batch * size * size * ch * ch * 9;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        try (ConvKernels k = Backends.get(backend).convKernels(threads)) {
            Tensor y = k.forward(conv, w, x);
            for (String pass : new String[] {"forward", "backward-data", "backward-weights", "forward"}) {
                for (int rep = 0; rep < 3; rep++) run(k, pass, conv, w, x, y);
                long t0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
                for (int rep = 0; rep < reps; rep++) run(k, pass, conv, w, x, y);
                double wall = (System.nanoTime() - t0) / 1e9 / reps, cpu = (mx.getCurrentThreadCpuTime() - c0) / 1e9 / reps;
                System.out.printf(Locale.ROOT, "%s %d threads %dx%d %dx%dx%d: %-16s wall %.2f ms (%.1f GMAC/s), calling thread cpu %.2f ms (%.1f GMAC/s)%n",
                        backend, threads, ch, ch, batch, size, size, pass, wall * 1e3, macs / wall / 1e9, cpu * 1e3, macs / cpu / 1e9);
            }
        }
    }

    private static void run(ConvKernels k, String pass, Op.Conv2d conv, float[] w, Tensor x, Tensor y) {
        switch (pass) {
            case "forward" -> k.forward(conv, w, x);
            case "backward-data" -> k.backwardData(conv, w, y, x.h, x.w);
            default -> k.backwardWeights(conv, x, y);
        }
    }
}
