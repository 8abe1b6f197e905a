package adabm.cli;

import adabm.perf.IsaLevel;
import adabm.perf.IsaProfiler;
import adabm.perf.ProfileJson;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The child process of `adabm profile` (perf/IsaProfileLauncher): started with ONEDNN_MAX_CPU_ISA set, it profiles
 * the plans and prints its profile as one JSON line on stdout. Hidden: not meant to be run by hand.
 */
@Command(name = "profile-worker", hidden = true, mixinStandardHelpOptions = true, description = "internal: one ISA level of adabm profile (JSON on stdout)")
final class ProfileWorkerCommand implements Callable<Integer> {
    @Mixin ProfileInputs inputs;

    @Option(names = "--isa", required = true, description = "the level this process was capped at")
    String isa;

    @Override public Integer call() throws Exception {
        IsaLevel level = IsaLevel.parse(isa);
        ProfileInputs.Loaded in = inputs.load();
        System.out.println(ProfileJson.line(IsaProfiler.profile(level, in.graph(), in.quant(), in.image(), inputs.threads, inputs.repeats)));
        return 0;
    }
}
