package adabm.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Issue 5, must-hold 1, across two machines: the GPU machine has no Java, so this side writes what the GPU driver
 * (tests/gpu/gpu_check.cpp) needs and afterwards compares what it wrote back.
 *
 * <pre>
 *   bench/run GpuFixtures export OUT [--models edsr,srresnet] [--dataset Set5] [--artifact-edsr A.json]
 *                                    [--artifact-srresnet B.json] [--float-images smallest|all|none|a,b] [--threads 2]
 *   bench/run GpuFixtures compare OUT GPU_OUT [--models ...] [--dataset DIR]
 * </pre>
 * export writes OUT/&lt;model&gt;/ per model: plan.bin (PlanEncoder version 2), meta.txt, bits_by_offset.i32,
 * per image &lt;name&gt;.in.f32, .bits.i32, .cpu.f32 (CPU integer plan, EXACT), for the --float-images also
 * .float.f32 (float32 model on the oneDNN float plan), and source.txt (model, artifact, data set). Without an artifact
 * the model is calibrated here (AdaBM W4A4 fq, no fine-tuning). compare reads GPU_OUT/&lt;model&gt;.gpu.f32 and exits
 * 1 when a model has under 99.5% identical 8-bit pixels or its mean PSNR moves by more than 0.01 dB.
 * Model names: edsr = edsr_baseline8_x2, srresnet = srresnet8_x4, or any ONNX file name in shared/models.
 */
public final class GpuFixtures {
    private static final Map<String, String> SHORT = Map.of("edsr", "edsr_baseline8_x2", "srresnet", "srresnet8_x4");

    public static void main(String[] args) throws Exception {
        if (args.length < 2) usage("missing command");
        Path shared = Path.of(System.getProperty("adabm.shared", "../shared")).toAbsolutePath().normalize();
        Map<String, String> opts = new HashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                if (i + 1 >= args.length) usage(args[i] + " needs a value");
                opts.put(args[i].substring(2), args[++i]);
            } else positional.add(args[i]);
        }
        switch (args[0]) {
            case "export" -> {
                if (positional.size() != 1) usage("export takes one output folder");
                export(shared, Path.of(positional.get(0)), opts);
            }
            case "compare" -> {
                if (positional.size() != 2) usage("compare takes the fixtures folder and the GPU output folder");
                System.exit(compare(shared, Path.of(positional.get(0)), Path.of(positional.get(1)), opts) ? 0 : 1);
            }
            default -> usage("unknown command " + args[0]);
        }
    }

    private static void export(Path shared, Path out, Map<String, String> opts) throws Exception {
        Path dataset = datasetPath(shared, opts.getOrDefault("dataset", "Set5"));
        int threads = Integer.parseInt(opts.getOrDefault("threads", "2"));
        var floats = new GpuFixtureExport.FloatImages(opts.getOrDefault("float-images", "smallest"));
        for (String m : models(opts.getOrDefault("models", "edsr,srresnet"))) {
            String artifact = null;
            for (Map.Entry<String, String> e : opts.entrySet())
                if (e.getKey().startsWith("artifact-") && m.equals(modelName(e.getKey().substring("artifact-".length())))) artifact = e.getValue();
            System.err.printf("%s: %s%n", m, artifact != null ? "artifact " + artifact : "calibrating (AdaBM W4A4 fq, no fine-tuning)");
            GpuFixtureExport.export(shared.resolve("models").resolve(m + ".onnx"), artifact == null ? null : Path.of(artifact), dataset,
                    shared.resolve("datasets").resolve("Kodak24"), out.resolve(m), floats, threads);
        }
        long bytes;
        try (Stream<Path> files = Files.walk(out)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        System.err.printf("wrote %s: %.1f MB%n", out, bytes / 1e6);
    }

    private static boolean compare(Path shared, Path fixtures, Path gpu, Map<String, String> opts) throws Exception {
        List<String> models = new ArrayList<>();
        if (opts.containsKey("models")) models.addAll(models(opts.get("models")));
        else try (Stream<Path> dirs = Files.list(fixtures)) {
            dirs.filter(d -> Files.isRegularFile(d.resolve("meta.txt"))).map(d -> d.getFileName().toString()).sorted().forEach(models::add);
        }
        if (models.isEmpty()) usage("no model fixtures (folders with meta.txt) in " + fixtures);
        Path dataset = opts.containsKey("dataset") ? datasetPath(shared, opts.get("dataset")) : null;
        List<String> failures = new ArrayList<>();
        GpuFixtureCompare.Tally total = new GpuFixtureCompare.Tally();
        for (String m : models) failures.addAll(GpuFixtureCompare.compare(m, fixtures.resolve(m), gpu, dataset, total));
        if (total.images > 0) System.out.println(total.row("TOTAL"));
        if (failures.isEmpty()) System.out.println("PASS: every model >= 99.5% identical 8-bit pixels, |delta PSNR| <= 0.01 dB");
        else failures.forEach(f -> System.out.println("FAIL " + f));
        return failures.isEmpty();
    }

    private static List<String> models(String list) {
        List<String> out = new ArrayList<>();
        for (String s : list.split(",")) if (!s.isBlank()) out.add(modelName(s.trim()));
        return out;
    }

    static String modelName(String s) {
        String name = s.endsWith(".onnx") ? s.substring(0, s.length() - 5) : s;
        return SHORT.getOrDefault(name, name);
    }

    /** A data set name under shared/datasets, or a folder. */
    private static Path datasetPath(Path shared, String s) {
        Path named = shared.resolve("datasets").resolve(s);
        return Files.isDirectory(named) ? named : Path.of(s);
    }

    private static void usage(String why) {
        System.err.println("GpuFixtures: " + why + "\n  export OUT [--models edsr,srresnet] [--dataset Set5] [--artifact-edsr A.json] [--artifact-srresnet B.json]"
                + " [--float-images smallest|all|none|a,b] [--threads 2]\n  compare OUT GPU_OUT [--models ...] [--dataset DIR]");
        System.exit(2);
    }

    private GpuFixtures() { }
}
