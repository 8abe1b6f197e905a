package adabm.cli;

import adabm.AdabmException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks an output file option before any work, so a long run never fails only when it writes its result. */
final class OutputPaths {
    private OutputPaths() { }

    /** The file's folder must exist (nothing is created implicitly) and the file must not be a folder; null is "not asked for". */
    static void check(String option, Path out) {
        if (out == null) return;
        Path dir = out.toAbsolutePath().normalize().getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new AdabmException(option + " " + out + ": output folder does not exist (" + dir + ")");
        if (Files.isDirectory(out)) throw new AdabmException(option + " " + out + " is a directory; give a file name");
    }
}
