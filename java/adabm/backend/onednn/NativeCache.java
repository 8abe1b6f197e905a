package adabm.backend.onednn;

import adabm.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * Copies the native libraries a jar carries for one platform ({@code adabm/native/<platform>/*}) into a cache folder
 * that the dynamic loader can open: {@code <root>/<content key>/<platform>/}. The key is a hash of the files' names,
 * sizes and CRC-32s (read from the jar's directory, no decompression), so two builds never share a folder and an
 * unchanged jar reuses its files. A file already there is reused when its size and CRC-32 match; anything else (missing,
 * short, corrupted) is rewritten through a temporary file renamed over it, so a JVM starting at the same time never
 * opens a half-written library. The libraries find each other through their $ORIGIN run path, hence one folder.
 */
final class NativeCache {
    /** The folder of the jar (or classes directory) that holds one sub-folder per platform. */
    static final String RESOURCE_ROOT = "adabm/native/";

    private NativeCache() { }

    /** One file to place: its name, uncompressed size and CRC-32, and how to read it. */
    private record Entry(String name, long size, long crc, Source source) { }

    @FunctionalInterface
    private interface Source { InputStream open() throws IOException; }

    /** How a call went: the folder, and which files it had to write (the others were reused). */
    record Result(Path dir, List<String> written) { }

    /**
     * Places the platform's files of a jar file (or of a classes directory with the same layout) under root.
     * @return the folder holding them, or null when the jar carries no files for this platform
     */
    static Result extract(Path jarOrClasses, String platform, Path root) throws IOException {
        String prefix = RESOURCE_ROOT + platform + "/";
        if (Files.isDirectory(jarOrClasses)) return place(fromDirectory(jarOrClasses.resolve(prefix)), platform, root);
        try (JarFile jar = new JarFile(jarOrClasses.toFile(), false)) {
            List<Entry> entries = new ArrayList<>();
            for (JarEntry e : jar.stream().toList()) {
                String name = e.getName();
                if (e.isDirectory() || !name.startsWith(prefix) || name.indexOf('/', prefix.length()) >= 0) continue;
                entries.add(new Entry(name.substring(prefix.length()), e.getSize(), e.getCrc(), () -> jar.getInputStream(e)));
            }
            return place(entries, platform, root);
        }
    }

    private static List<Entry> fromDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList())
                entries.add(new Entry(f.getFileName().toString(), Files.size(f), crc(f), () -> Files.newInputStream(f)));
        }
        return entries;
    }

    private static Result place(List<Entry> entries, String platform, Path root) throws IOException {
        if (entries.isEmpty()) return null;
        List<Entry> sorted = entries.stream().sorted(Comparator.comparing(Entry::name)).toList();
        Path dir = root.resolve(key(sorted)).resolve(platform);
        Files.createDirectories(dir);
        List<String> written = new ArrayList<>();
        for (Entry e : sorted) {
            Path target = dir.resolve(e.name());
            if (Files.isRegularFile(target) && Files.size(target) == e.size() && crc(target) == e.crc()) continue;
            AtomicFiles.write(target, tmp -> {
                try (InputStream in = e.source().open()) { Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING); }
                if (Files.size(tmp) != e.size() || crc(tmp) != e.crc())
                    throw new IOException("the copy of " + e.name() + " does not match the jar's size and CRC-32 (corrupt jar?)");
            });
            written.add(e.name());
        }
        return new Result(dir, written);
    }

    /** 16 hex digits of SHA-256 over the sorted names, sizes and CRC-32s. */
    private static String key(List<Entry> sorted) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Entry e : sorted)
                sha.update((e.name() + "\t" + e.size() + "\t" + Long.toHexString(e.crc()) + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static long crc(Path file) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) crc.update(buf, 0, n);
        }
        return crc.getValue();
    }
}
