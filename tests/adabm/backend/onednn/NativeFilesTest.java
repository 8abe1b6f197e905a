package adabm.backend.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the native library is found: -Dadabm.native.dir, native/ beside the classes, or the copy the build put
 * under adabm/native/linux-x86_64/ (what the jar carries), extracted into the cache and loaded from there.
 */
class NativeFilesTest {
    @TempDir Path tmp;

    private static Path nativeDir() {
        String dir = System.getProperty("adabm.native.dir");
        assumeTrue(dir != null && Files.isRegularFile(Path.of(dir, "libadabm_native.so")), "native library not built");
        return Path.of(dir);
    }

    private static Path classes() throws Exception {
        return Path.of(NativeFiles.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) { return s.map(p -> p.getFileName().toString()).sorted().toList(); }
    }

    @Test void theNativeDirPropertyWinsAndAMissingFileIsNamed() throws IOException {
        Path dir = nativeDir();
        assertEquals(dir.resolve("libadabm_native.so").toAbsolutePath(), NativeFiles.locate("libadabm_native.so"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> NativeFiles.locate("libnot_there.so"));
        assertTrue(e.getMessage().contains("libnot_there.so") && e.getMessage().contains("-Dadabm.native.dir"), e.getMessage());
    }

    /** The build copies exactly the shared libraries of target/native (not its test programs) to the jar's folder. */
    @Test void theBuildPutsTheSharedLibrariesUnderThePlatformFolder() throws Exception {
        Path dir = nativeDir();
        Path packed = classes().resolve("adabm/native/linux-x86_64");
        assumeTrue(Files.isDirectory(classes()), "classes are not a directory (running from a jar)");
        List<String> libs = names(dir).stream().filter(n -> n.endsWith(".so") || n.contains(".so.")).toList();
        assertTrue(libs.containsAll(List.of("libadabm_native.so", "libdnnl.so.3", "libgomp.so.1")), libs.toString());
        assertEquals(libs, names(packed));
        for (String n : libs) {
            assertEquals(Files.size(dir.resolve(n)), Files.size(packed.resolve(n)), n);
            assertEquals(NativeCache.crc(dir.resolve(n)), NativeCache.crc(packed.resolve(n)), n);
        }
        assertFalse(names(packed).contains("adabm_gpu_check"));
    }

    /**
     * A JVM with no -Dadabm.native.dir whose classes have no native/ beside them (a copy of the classes in an empty
     * folder, the packed libraries linked in) extracts the packed libraries into its cache and loads them from there,
     * oneDNN included (found through $ORIGIN).
     */
    @Test void withoutANativeFolderTheLibrariesComeFromThePackedCopy() throws Exception {
        nativeDir();
        Path classes = classes();
        Path packed = classes.resolve("adabm/native/linux-x86_64");
        assumeTrue(Files.isDirectory(packed), "no packed libraries");
        Path link = tmp.resolve("app").resolve("classes");
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path to = link.resolve(classes.relativize(f).toString());
                Files.createDirectories(to.getParent());
                if (f.startsWith(packed)) Files.createSymbolicLink(to, f);   // 97 MB: linked, not copied
                else Files.copy(f, to);
            }
        }
        List<String> cp = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator))
            cp.add(Path.of(e).toAbsolutePath().equals(classes.toAbsolutePath()) ? link.toString() : e);
        Path cache = tmp.resolve("cache");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int run = 0; run < 2; run++) {   // the second run reuses the extracted files
            Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", String.join(File.pathSeparator, cp),
                    "-Dadabm.native.cache=" + cache, NativeLocationProbe.class.getName()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), out);
            assertTrue(out.matches("(?s).*library=" + cache + "/[0-9a-f]{16}/linux-x86_64/libadabm_native.so \\(onednn, linux-x86_64\\).*"), out);
            assertTrue(out.contains("best=onednn"), out);
            assertTrue(out.matches("(?s).*dnnl=" + cache + "/[0-9a-f]{16}/linux-x86_64/libdnnl.so.3.*"), out);
        }
        try (Stream<Path> links = Files.walk(link)) {   // so the temporary folder's cleanup meets no links to outside it
            for (Path l : links.filter(Files::isSymbolicLink).toList()) Files.delete(l);
        }
    }
}
