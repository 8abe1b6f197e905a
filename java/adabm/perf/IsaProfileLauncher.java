package adabm.perf;

import adabm.AdabmException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs one ISA level's profile in a child process of the same Java runtime. oneDNN reads ONEDNN_MAX_CPU_ISA once,
 * before its first primitive, and dnnl_set_max_cpu_isa fails after that: a process can be capped once, so each level
 * gets its own. The child is this JVM again (same java binary, JVM options, class path and native library folder)
 * running the hidden `adabm profile-worker` command with the variable set; it prints its {@link IsaProfile} as one
 * JSON line on stdout ({@link ProfileJson}), and its stderr is kept for the error message when it fails.
 */
public final class IsaProfileLauncher {
    private IsaProfileLauncher() { }

    /** The hidden subcommand the child runs. */
    public static final String WORKER_COMMAND = "profile-worker";
    /** Longest a child may take. */
    static final long TIMEOUT_MINUTES = 20;

    /** The child's command line: this JVM's java, options and class path, then Main with the worker command and args. */
    public static List<String> command(List<String> workerArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-Xrunjdwp")) cmd.add(a);   // a debugger port is taken
        String nativeDir = System.getProperty("adabm.native.dir");
        if (nativeDir != null) cmd.add("-Dadabm.native.dir=" + nativeDir);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("adabm.cli.Main");
        cmd.add(WORKER_COMMAND);
        cmd.addAll(workerArgs);
        return cmd;
    }

    /**
     * Runs the child capped at the level and returns its profile; AdabmException with its stderr when it fails.
     * @param workerArgs the worker's options but --isa, which this adds
     */
    public static IsaProfile run(IsaLevel isa, List<String> workerArgs) {
        List<String> args = new ArrayList<>(workerArgs);
        args.addAll(List.of("--isa", isa.envValue()));
        ProcessBuilder pb = new ProcessBuilder(command(args));
        Map<String, String> env = pb.environment();
        env.put("ONEDNN_MAX_CPU_ISA", isa.envValue());
        env.remove("DNNL_MAX_CPU_ISA");      // the older name, read when the new one is unset: no conflicting cap
        env.remove("ONEDNN_VERBOSE");        // verbose lines would go to stdout, where the JSON goes
        env.remove("DNNL_VERBOSE");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AdabmException("cannot start the profiling process for " + isa.envValue() + ": " + e.getMessage());
        }
        try {
            p.getOutputStream().close();
            // both pipes drained on their own threads, so a child that hangs with its stdout open still times out
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AdabmException("the profiling process for " + isa.envValue() + " ran longer than " + TIMEOUT_MINUTES + " minutes");
            }
            String out = stdout.join(), stderr = err.join().strip();
            if (p.exitValue() != 0)
                throw new AdabmException("the profiling process for " + isa.envValue() + " failed (exit " + p.exitValue() + ")"
                        + (stderr.isEmpty() ? "" : ": " + stderr));
            return parseOutput(out, isa);
        } catch (IOException e) {
            throw new AdabmException("profiling process for " + isa.envValue() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AdabmException("interrupted while profiling " + isa.envValue());
        } finally {
            if (p.isAlive()) p.destroyForcibly();
        }
    }

    /** The profile in a child's stdout: its last line that starts a JSON object (anything a library printed before is skipped). */
    static IsaProfile parseOutput(String stdout, IsaLevel isa) {
        String[] lines = stdout.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (!line.startsWith("{")) continue;
            IsaProfile p = ProfileJson.parse(line);
            if (p.isa() != isa) throw new AdabmException("the profiling process for " + isa.envValue() + " reported " + p.isa().envValue());
            return p;
        }
        throw new AdabmException("the profiling process for " + isa.envValue() + " printed no profile");
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
