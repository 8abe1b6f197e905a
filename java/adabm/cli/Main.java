package adabm.cli;

import adabm.AdabmException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the `adabm` command line. Every subcommand has --help. */
@Command(name = "adabm", mixinStandardHelpOptions = true, version = adabm.Version.TEXT,
        description = "Runs super-resolution CNNs (ONNX or PyTorch checkpoints) on native kernels and evaluates them.",
        subcommands = {DemoCommand.class, UpscaleCommand.class, EvalCommand.class, InfoCommand.class, DownscaleCommand.class,
                QuantizeCommand.class, CompareCommand.class, BitmapCommand.class, ExportCommand.class, BenchCommand.class,
                ProfileCommand.class, ProfileWorkerCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code: 0 ok, 1 bad input or failure, 2 usage error. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof AdabmException || e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException
                    || e instanceof IllegalArgumentException) {
                cmd.getErr().println("adabm " + cmd.getCommandName() + ": " + e.getMessage());
                return 1;
            }
            throw e;
        });
        return cl.execute(args);
    }
}
