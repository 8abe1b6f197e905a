package adabm.cli;

import adabm.backend.BackendUnavailableException;
import adabm.io.AtomicFiles;
import adabm.perf.GpuProfile;
import adabm.perf.GpuProfiler;
import adabm.perf.IsaLevel;
import adabm.perf.IsaProfile;
import adabm.perf.IsaProfileLauncher;
import adabm.perf.ProfileJson;
import adabm.perf.ProfileReport;
import adabm.backend.onednn.ProfileNative;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "profile", mixinStandardHelpOptions = true,
        description = {"Per-ISA, per-layer profile: runs the model's float32 plan (and with --quant its int8 plan, EXACT mode, the",
                "image's offset from the artifact's bit map) with oneDNN capped at each ISA level this CPU has (AVX2, AVX2_VNNI,",
                "AVX512_CORE, AVX512_CORE_VNNI; each in its own child process with ONEDNN_MAX_CPU_ISA set, since oneDNN reads the cap",
                "once) and prints per step: kernel, ms (median of --repeats runs after a warm-up run), GOPS (2 x MACs / time) and",
                "%% of peak for convs; then a summary over the levels, and checks that oneDNN's effective ISA is the cap.",
                "Peak = cores (--threads) x clock x ops/cycle. The clock is measured by timing a chain of dependent adds",
                "(1 per cycle). ops/cycle per core assumes 2 vector multiply/FMA pipes: fp32 AVX2 2x8 lanes x2 (FMA) = 32,",
                "AVX-512 2x16x2 = 64; int8 without VNNI (vpmaddubsw + vpmaddwd, two instructions per vector of MACs) AVX2 32",
                "MACs = 64, AVX-512 64 MACs = 128; int8 VNNI (vpdpbusd, 2 per cycle) AVX2-VNNI 2x32 MACs = 128, AVX-512-VNNI",
                "2x64 MACs = 256 ops/cycle.",
                "Where a CUDA GPU is usable (the cuda backend), the same plans run on it too: per-step times from CUDA events",
                "(medians), GOPS, and each run's split into copies and compute; otherwise one line says why they are skipped.",
                "Where libadabm_native does not load but a GPU is usable, the GPU rows run alone.",
                "On aarch64 (the ARM Compute Library build) there is one level, AARCH64: the plans run as they are, the",
                "effective ISA lists the CPU's SIMD features (+dotprod, +sve), and no peak is claimed (no % column)."})
final class ProfileCommand implements Callable<Integer> {
    @Mixin ProfileInputs inputs;

    @Option(names = "--isa", split = ",", description = "levels to run, comma-separated (default: every level this CPU has)")
    List<String> isas;

    @Option(names = "--json", description = "also write every row as JSON to this file")
    Path json;

    @Override public Integer call() throws Exception {
        OutputPaths.check("--json", json);
        String noCpu = ProfileNative.failure(), noGpu = GpuProfiler.unavailableReason();
        if (noCpu != null && noGpu != null)
            throw new BackendUnavailableException("profiling needs the native library: " + noCpu + "; and the GPU rows: " + noGpu);
        Set<IsaLevel> wanted = new java.util.TreeSet<>();   // lowest level first, each once
        if (isas == null) wanted.addAll(IsaLevel.ofThisArchitecture());
        else for (String s : isas) wanted.add(IsaLevel.parse(s));
        ProfileInputs.Loaded loaded = inputs.load();   // every input error surfaces here, typed, before any child starts
        Set<String> flags = IsaLevel.cpuFlags();
        List<String> skipped = new ArrayList<>();
        if (noCpu != null) {   // a GPU machine without oneDNN: the GPU rows only
            String why = "CPU levels skipped: " + noCpu;
            skipped.add(why);
            System.out.println(why);
            wanted.clear();
        }
        List<IsaProfile> profiles = new ArrayList<>();
        for (IsaLevel level : wanted) {
            if (!level.supportedBy(flags)) {
                List<String> missing = level.requiredFlags().stream().filter(f -> !flags.contains(f)).toList();
                String why = level.envValue() + " skipped: this CPU lacks " + String.join(", ", missing);
                skipped.add(why);
                System.out.println(why);
                continue;
            }
            System.err.println("profiling with ONEDNN_MAX_CPU_ISA=" + level.envValue() + " ...");
            IsaProfile p = IsaProfileLauncher.run(level, inputs.asArgs());
            profiles.add(p);
            System.out.print(ProfileReport.table(p));
            System.out.println();
        }
        System.out.print(ProfileReport.summary(profiles));
        GpuProfile gpu = null;
        if (noGpu == null) {
            System.err.println("profiling on the GPU ...");
            gpu = GpuProfiler.profile(loaded.graph(), loaded.quant(), loaded.image(), inputs.repeats);
            System.out.println();
            System.out.print(ProfileReport.gpuTable(gpu));
        } else {
            String why = "GPU rows skipped: " + noGpu;
            skipped.add(why);
            System.out.println(why);
        }
        if (json != null) {
            AtomicFiles.writeString(json, ProfileJson.pretty(document(profiles, gpu, skipped)));
            System.out.println("JSON: " + json);
        }
        return 0;
    }

    private JsonObject document(List<IsaProfile> profiles, GpuProfile gpu, List<String> skipped) {
        JsonObject root = new JsonObject();
        root.addProperty("model", inputs.model.model.toString());
        if (inputs.quant != null) root.addProperty("quant", inputs.quant.toString());
        root.addProperty("image", inputs.image.toString());
        root.addProperty("peak", "cores (threads) x measured clock x ops/cycle per core: fp32 32 (AVX2) / 64 (AVX-512); "
                + "int8 64 (AVX2) / 128 (AVX-512) without VNNI, 128 (AVX2-VNNI) / 256 (AVX-512-VNNI) with vpdpbusd");
        JsonArray s = new JsonArray();
        skipped.forEach(s::add);
        root.add("skipped", s);
        JsonArray a = new JsonArray();
        for (IsaProfile p : profiles) a.add(ProfileJson.toJson(p));
        root.add("profiles", a);
        if (gpu != null) root.add("gpu", ProfileJson.toJson(gpu));
        return root;
    }
}
