package adabm.backend.onednn;

import adabm.backend.Backends;
import java.nio.file.Files;
import java.nio.file.Path;

/** Run in a child JVM by {@link NativeFilesTest}: which native library it loaded, and where oneDNN came from. */
public final class NativeLocationProbe {
    private NativeLocationProbe() { }

    public static void main(String[] args) throws Exception {
        System.out.println("library=" + NativeCpu.describeLibrary());
        System.out.println("best=" + Backends.best().name());
        for (String line : Files.readAllLines(Path.of("/proc/self/maps")))
            if (line.endsWith("/libdnnl.so.3")) { System.out.println("dnnl=" + line.substring(line.indexOf('/'))); break; }
    }
}
