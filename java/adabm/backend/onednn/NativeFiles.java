package adabm.backend.onednn;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Finds a file of the project's native build (libadabm_native.so, libadabm_cuda.so), first place that has it:
 * <ol>
 * <li>the folder named by {@code -Dadabm.native.dir} (only there, when set);</li>
 * <li>{@code native/} beside the jar or classes directory (the developer layout: target/native next to
 * target/classes and target/adabm-*.jar);</li>
 * <li>the jar's own {@code adabm/native/<platform>/} files, copied once into a per-user cache
 * ({@code -Dadabm.native.cache}, default {@code ~/.cache/adabm/native}) by {@link NativeCache}.</li>
 * </ol>
 */
public final class NativeFiles {
    private NativeFiles() { }

    private static Path extracted;   // the cache folder this JVM placed the jar's files in, once found

    /**
     * The path of the named file.
     * @throws NoSuchFileException naming the file, the platform and every place looked at, when none has it
     * @throws IOException when the jar's files cannot be copied into the cache (the message names the folder)
     */
    public static Path locate(String fileName) throws IOException {
        String dir = System.getProperty("adabm.native.dir");
        if (dir != null && !dir.isBlank()) {
            Path p = Path.of(dir).resolve(fileName).toAbsolutePath();
            if (!Files.isRegularFile(p)) throw new NoSuchFileException(p.toString(), null, "-Dadabm.native.dir=" + dir + " holds no " + fileName);
            return p;
        }
        Path code = codeSource();
        Path beside = code.getParent().resolve("native").resolve(fileName);
        if (Files.isRegularFile(beside)) return beside;
        String platform = NativePlatform.current();
        if (platform == null) throw new NoSuchFileException(fileName, null, NativePlatform.currentProblem());
        Path fromJar = extracted(code, platform);
        if (fromJar != null && Files.isRegularFile(fromJar.resolve(fileName))) return fromJar.resolve(fileName);
        throw new NoSuchFileException(fileName, null, "no native build for " + platform + " holds it: not in " + beside.getParent()
                + ", not in " + code + " under " + NativeCache.RESOURCE_ROOT + platform + "/, and -Dadabm.native.dir is not set");
    }

    /** The root of the extraction cache. */
    static Path cacheRoot() {
        String set = System.getProperty("adabm.native.cache");
        if (set != null && !set.isBlank()) return Path.of(set).toAbsolutePath();
        return Path.of(System.getProperty("user.home"), ".cache", "adabm", "native");
    }

    private static synchronized Path extracted(Path code, String platform) throws IOException {
        if (extracted != null) return extracted;
        Path root = cacheRoot();
        try {
            NativeCache.Result r = NativeCache.extract(code, platform, root);
            if (r != null) extracted = r.dir();
            return extracted;
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot copy the native libraries for " + platform + " out of " + code + " into " + root
                    + " (set -Dadabm.native.cache to a writable folder, or -Dadabm.native.dir to a folder holding them): " + e, e);
        }
    }

    /** The jar file, or the classes directory, this class was loaded from. */
    private static Path codeSource() throws IOException {
        var source = NativeFiles.class.getProtectionDomain().getCodeSource();
        if (source == null) throw new NoSuchFileException("adabm classes", null, "no code source to look beside; set -Dadabm.native.dir");
        try {
            return Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IOException("cannot read the code source " + source.getLocation() + "; set -Dadabm.native.dir", e);
        }
    }
}
