package adabm.bench;

import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.io.image.ImageFiles;
import adabm.io.image.Images;
import adabm.io.onnx.OnnxImporter;
import adabm.tensor.Tensor;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * oneDNN float32 (ours) vs ONNX Runtime Java float32 on the same ONNX file and the same whole Set5 LR images,
 * one thread each, measured side by side in one process: per image, runs alternate between the two engines
 * and the median of the repeats is kept; the pass time is the sum over images of those medians.
 *
 *   java ... adabm.bench.OrtComparison [--repeats N] [--shared DIR] model.onnx...
 */
public final class OrtComparison {
    public static void main(String[] args) throws Exception {
        int repeats = 5;
        Path shared = Path.of(System.getProperty("adabm.shared", "../shared"));
        List<String> models = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--shared" -> shared = Path.of(args[++i]);
                default -> models.add(args[i]);
            }
        }
        if (models.isEmpty()) models = List.of("edsr_baseline8_x2.onnx", "carn_m_x4.onnx");
        System.out.printf("%-24s %-10s %12s %12s %10s %10s%n", "model", "image", "onednn ms", "ort ms", "ort/ours", "maxdiff");
        StringBuilder json = new StringBuilder("[");
        for (String m : models) {
            Path file = m.contains("/") ? Path.of(m) : shared.resolve("models").resolve(m);
            json.append(json.length() > 1 ? "," : "").append(compare(file, shared, repeats));
        }
        json.append("]");
        Path out = Path.of("target/bench/ort-comparison.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json + "\n");
        System.out.println("JSON: " + out.toAbsolutePath());
    }

    private static String compare(Path file, Path shared, int repeats) throws Exception {
        Graph g = OnnxImporter.load(file);
        int s = g.scale();
        Path lrDir = shared.resolve("datasets/Set5/LR_bicubic/X" + s);
        List<Path> images = ImageFiles.list(lrDir);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double oursTotal = 0, ortTotal = 0, worstDiff = 0;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(1);
            so.setInterOpNumThreads(1);
            so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession ort = env.createSession(file.toString(), so);
                 Plan plan = Backends.get("onednn").compile(g, new BackendOptions(1))) {
                String inputName = ort.getInputNames().iterator().next();
                for (Path img : images) {
                    Tensor lr = Images.read(img);
                    double[] ours = new double[repeats], theirs = new double[repeats];
                    Tensor a = plan.run(lr);                 // warm-up: primitives for this shape
                    float[] b = runOrt(env, ort, inputName, lr);
                    double diff = 0;
                    for (int i = 0; i < a.data.length; i++) diff = Math.max(diff, Math.abs(a.data[i] - b[i]));
                    for (int r = 0; r < repeats; r++) {
                        long t0 = System.nanoTime();
                        plan.run(lr);
                        long t1 = System.nanoTime();
                        runOrt(env, ort, inputName, lr);
                        long t2 = System.nanoTime();
                        ours[r] = (t1 - t0) / 1e6;
                        theirs[r] = (t2 - t1) / 1e6;
                    }
                    double mo = median(ours), mt = median(theirs);
                    oursTotal += mo;
                    ortTotal += mt;
                    worstDiff = Math.max(worstDiff, diff);
                    System.out.printf("%-24s %-10s %12.1f %12.1f %10.2f %10.1e%n", file.getFileName(), ImageFiles.baseName(img), mo, mt, mt / mo, diff);
                }
            }
        }
        System.out.printf("%-24s %-10s %12.1f %12.1f %10.2f %10.1e%n", file.getFileName(), "SET5 SUM", oursTotal, ortTotal, ortTotal / oursTotal, worstDiff);
        return String.format("{\"model\":\"%s\",\"images\":%d,\"threads\":1,\"repeats\":%d,\"onednn_ms\":%.2f,\"ort_ms\":%.2f,\"ort_over_onednn\":%.3f,\"max_abs_diff\":%.3g}",
                file.getFileName(), images.size(), repeats, oursTotal, ortTotal, ortTotal / oursTotal, worstDiff);
    }

    private static float[] runOrt(OrtEnvironment env, OrtSession ort, String inputName, Tensor lr) throws Exception {
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(lr.data), new long[] {lr.n, lr.c, lr.h, lr.w});
             OrtSession.Result res = ort.run(Map.of(inputName, in))) {
            FloatBuffer fb = ((OnnxTensor) res.get(0)).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }
}
