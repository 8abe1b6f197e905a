package adabm.bench;

import adabm.Upscaler;
import adabm.backend.onednn.NativeCpu;
import adabm.eval.Dataset;
import adabm.graph.Graph;
import adabm.io.ModelLoader;
import adabm.quant.QuantModel;
import adabm.quant.artifact.QuantArtifact;
import adabm.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serving throughput of {@link Upscaler} on a data set's whole LR images (issue 4, must-hold 3): images/s with one
 * engine on one thread, two engines on one thread each fed by two caller threads, and one engine on two OpenMP
 * threads. Configurations take turns within each round (so machine noise hits them alike); per configuration the
 * median over rounds is printed, with its ratio to the one-thread row. Every output is compared with the first
 * configuration's, byte for byte. Each image runs --passes times in a row (steady state: an engine keeps the
 * primitives of the last 2 input shapes); --interleave cycles through the images instead, so every call meets a
 * new shape and rebuilds them (what a server sees with images of ever-changing sizes).
 *
 *   bench/run UpscalerThroughput --model FILE [--quant A.json] --data DIR [--scale N] [--backend onednn-int8]
 *       [--rounds 5] [--passes 2] [--interleave]
 */
public final class UpscalerThroughput {
    record Config(String name, int workers, int threads, int callers) { }

    public static void main(String[] args) throws Exception {
        Path model = null, quant = null, data = null;
        Integer scale = null;
        String backend = null;
        int rounds = 5, passes = 2;
        boolean interleave = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[++i]);
                case "--quant" -> quant = Path.of(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                case "--scale" -> scale = Integer.parseInt(args[++i]);
                case "--backend" -> backend = args[++i];
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--passes" -> passes = Integer.parseInt(args[++i]);
                case "--interleave" -> interleave = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (model == null || data == null) throw new IllegalArgumentException("need --model FILE and --data DIR");
        Graph g = ModelLoader.load(model, scale == null ? OptionalInt.empty() : OptionalInt.of(scale));
        int s = scale != null ? scale : g.scale();
        QuantModel qm = quant == null ? null : QuantArtifact.read(quant, g, model.toString()).model();
        if (backend == null) backend = qm == null ? NativeCpu.floatBackendName() : Upscaler.INT8;
        List<Tensor> images = new ArrayList<>();
        for (Dataset.ImagePair p : Dataset.open(data).pairs(s)) images.add(p.readLr());

        List<Config> configs = List.of(new Config("1 engine x 1 thread, 1 caller", 1, 1, 1),
                new Config("2 engines x 1 thread, 2 callers", 2, 1, 2),
                new Config("1 engine x 2 threads, 1 caller", 1, 2, 1));
        List<Upscaler> ups = new ArrayList<>();
        try {
            for (Config c : configs) {
                Upscaler.Options o = Upscaler.Options.defaults().withBackend(backend).withWorkers(c.workers())
                        .withThreads(c.threads()).withTile(1 << 14);   // whole images: one tile each
                ups.add(qm == null ? Upscaler.create(g, o) : Upscaler.create(qm, o));
            }
            Tensor[] first = new Tensor[images.size()];
            long mismatches = 0;
            double[][] rates = new double[configs.size()][rounds];
            for (int k = 0; k < configs.size(); k++) runAll(ups.get(k), images, 1, configs.get(k).callers(), interleave, null);   // warm-up
            for (int r = 0; r < rounds; r++)
                for (int k = 0; k < configs.size(); k++) {
                    Tensor[] out = new Tensor[images.size()];
                    long t0 = System.nanoTime();
                    runAll(ups.get(k), images, passes, configs.get(k).callers(), interleave, out);
                    rates[k][r] = (double) images.size() * passes / ((System.nanoTime() - t0) / 1e9);
                    for (int i = 0; i < out.length; i++) {
                        if (first[i] == null) first[i] = out[i];
                        else if (!Arrays.equals(first[i].data, out[i].data)) mismatches++;
                    }
                }
            double base = median(rates[0]);
            System.out.printf("%s, %s x%d, %d images x %d passes per round (%s), %d rounds, backend %s%n", model.getFileName(),
                    data.getFileName(), s, images.size(), passes, interleave ? "interleaved: a new shape every call" : "each image's passes in a row",
                    rounds, backend);
            for (int k = 0; k < configs.size(); k++)
                System.out.printf("  %-34s %7.2f images/s (median)  %.2fx%n", configs.get(k).name(), median(rates[k]), median(rates[k]) / base);
            System.out.printf("  outputs differing from the first configuration's: %d%n", mismatches);
        } finally {
            for (Upscaler u : ups) u.close();
        }
    }

    /** passes over the images by `callers` threads taking the next task from a shared counter. */
    static void runAll(Upscaler up, List<Tensor> images, int passes, int callers, boolean interleave, Tensor[] out)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        int total = images.size() * passes;
        Thread[] threads = new Thread[callers];
        RuntimeException[] failure = new RuntimeException[1];
        for (int t = 0; t < callers; t++) {
            threads[t] = new Thread(() -> {
                try {
                    for (int j; (j = next.getAndIncrement()) < total; ) {
                        int image = interleave ? j % images.size() : j / passes;
                        Tensor y = up.upscale(images.get(image));
                        if (out != null) out[image] = y;
                    }
                } catch (RuntimeException e) {
                    synchronized (failure) { failure[0] = e; }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) t.join();
        if (failure[0] != null) throw failure[0];
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
