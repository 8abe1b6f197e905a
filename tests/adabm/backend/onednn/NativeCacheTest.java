package adabm.backend.onednn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Copying a jar's adabm/native/<platform>/ files into the cache: only that platform's, atomically, reused when intact. */
class NativeCacheTest {
    private static final String ARM = "linux-aarch64";

    @TempDir Path tmp;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The files of a jar that carries two platforms, a nested file to ignore, and a class. */
    private static Map<String, byte[]> layout(long seed) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("adabm/native/linux-aarch64/libadabm_native.so", random(300_000, seed));
        m.put("adabm/native/linux-aarch64/libgomp.so.1", random(1_000, seed + 1));
        m.put("adabm/native/linux-aarch64/sub/not_a_library.so", random(10, seed + 2));
        m.put("adabm/native/linux-x86_64/libadabm_native.so", random(2_000, seed + 3));
        m.put("adabm/Other.class", random(50, seed + 4));
        return m;
    }

    private Path jar(String name, Map<String, byte[]> files) throws IOException {
        Path jar = tmp.resolve(name);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (var e : files.entrySet()) {
                out.putNextEntry(new JarEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return jar;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) { return s.map(p -> p.getFileName().toString()).sorted().toList(); }
    }

    @Test void extractsOnlyThisPlatformsFilesIntoAContentKeyedFolder() throws IOException {
        Map<String, byte[]> files = layout(1);
        Path root = tmp.resolve("cache");
        NativeCache.Result r = NativeCache.extract(jar("a.jar", files), ARM, root);
        assertEquals(ARM, r.dir().getFileName().toString());
        assertEquals(root, r.dir().getParent().getParent());
        assertTrue(r.dir().getParent().getFileName().toString().matches("[0-9a-f]{16}"), r.dir().toString());
        assertEquals(List.of("libadabm_native.so", "libgomp.so.1"), names(r.dir()));
        assertEquals(List.of("libadabm_native.so", "libgomp.so.1"), r.written());
        assertArrayEquals(files.get("adabm/native/linux-aarch64/libadabm_native.so"), Files.readAllBytes(r.dir().resolve("libadabm_native.so")));
        assertArrayEquals(files.get("adabm/native/linux-aarch64/libgomp.so.1"), Files.readAllBytes(r.dir().resolve("libgomp.so.1")));

        NativeCache.Result x86 = NativeCache.extract(jar("a.jar", files), "linux-x86_64", root);
        assertEquals(List.of("libadabm_native.so"), names(x86.dir()));
        assertNotEquals(r.dir().getParent(), x86.dir().getParent(), "each platform's file set has its own key");
    }

    @Test void aSecondRunReusesIntactFilesWithoutWriting() throws IOException {
        Path jar = jar("a.jar", layout(2));
        Path root = tmp.resolve("cache");
        NativeCache.Result first = NativeCache.extract(jar, ARM, root);
        Object inode = Files.readAttributes(first.dir().resolve("libadabm_native.so"), "unix:ino").get("ino");
        NativeCache.Result second = NativeCache.extract(jar, ARM, root);
        assertEquals(first.dir(), second.dir());
        assertEquals(List.of(), second.written());
        assertEquals(inode, Files.readAttributes(second.dir().resolve("libadabm_native.so"), "unix:ino").get("ino"), "not rewritten");
    }

    @Test void shortCorruptOrMissingFilesAreReplaced() throws IOException {
        Map<String, byte[]> files = layout(3);
        Path jar = jar("a.jar", files);
        Path root = tmp.resolve("cache");
        Path dir = NativeCache.extract(jar, ARM, root).dir();
        byte[] lib = files.get("adabm/native/linux-aarch64/libadabm_native.so");
        Files.write(dir.resolve("libadabm_native.so"), java.util.Arrays.copyOf(lib, lib.length / 2));   // a half-written file
        byte[] gomp = Files.readAllBytes(dir.resolve("libgomp.so.1"));
        gomp[gomp.length / 2] ^= 1;                                                                // same size, one bit off
        Files.write(dir.resolve("libgomp.so.1"), gomp);
        NativeCache.Result again = NativeCache.extract(jar, ARM, root);
        assertEquals(List.of("libadabm_native.so", "libgomp.so.1"), again.written());
        assertArrayEquals(lib, Files.readAllBytes(dir.resolve("libadabm_native.so")));
        assertArrayEquals(files.get("adabm/native/linux-aarch64/libgomp.so.1"), Files.readAllBytes(dir.resolve("libgomp.so.1")));

        Files.delete(dir.resolve("libgomp.so.1"));
        assertEquals(List.of("libgomp.so.1"), NativeCache.extract(jar, ARM, root).written());
        assertEquals(List.of("libadabm_native.so", "libgomp.so.1"), names(dir), "no temporary files left behind");
    }

    @Test void changedLibrariesGetTheirOwnFolder() throws IOException {
        Path root = tmp.resolve("cache");
        Path a = NativeCache.extract(jar("a.jar", layout(4)), ARM, root).dir();
        Path b = NativeCache.extract(jar("b.jar", layout(5)), ARM, root).dir();
        assertNotEquals(a, b);
        assertArrayEquals(layout(4).get("adabm/native/linux-aarch64/libadabm_native.so"), Files.readAllBytes(a.resolve("libadabm_native.so")),
                "the older build's files stay for a JVM still running it");
    }

    @Test void aJarWithoutThisPlatformGivesNothing() throws IOException {
        Map<String, byte[]> files = layout(6);
        files.keySet().removeIf(k -> k.contains(ARM));
        Path root = tmp.resolve("cache");
        assertNull(NativeCache.extract(jar("x86only.jar", files), ARM, root));
        assertNull(NativeCache.extract(jar("x86only.jar", files), "linux-riscv64", root));
    }

    /** A classes directory with the same layout (running from target/classes) keys and places files like the jar. */
    @Test void aClassesDirectoryWorksLikeTheJar() throws IOException {
        Map<String, byte[]> files = layout(7);
        Path classes = tmp.resolve("classes");
        for (var e : files.entrySet()) {
            Path f = classes.resolve(e.getKey());
            Files.createDirectories(f.getParent());
            Files.write(f, e.getValue());
        }
        Path root = tmp.resolve("cache");
        NativeCache.Result fromDir = NativeCache.extract(classes, ARM, root);
        NativeCache.Result fromJar = NativeCache.extract(jar("a.jar", files), ARM, root);
        assertEquals(fromDir.dir(), fromJar.dir());
        assertEquals(List.of(), fromJar.written());
        assertEquals(List.of("libadabm_native.so", "libgomp.so.1"), names(fromDir.dir()));
    }

    @Test void anUnwritableCacheFailsNamingTheFolder() throws IOException {
        Path blocked = tmp.resolve("file-not-folder");
        Files.writeString(blocked, "x");
        IOException e = assertThrows(IOException.class, () -> NativeCache.extract(jar("a.jar", layout(8)), ARM, blocked));
        assertTrue(e.toString().contains("file-not-folder"), e.toString());
    }

    /**
     * JVMs starting at once: several extractions of a fresh jar race while a watcher reads the library's size over and
     * over; the name only ever holds the whole file (temp file + rename), and every caller gets the same folder.
     */
    @Test void concurrentExtractionsNeverExposeAPartialFile() throws Exception {
        Map<String, byte[]> files = layout(9);
        byte[] big = random(16 << 20, 10);
        files.put("adabm/native/linux-aarch64/libbig.so", big);
        Path jar = jar("big.jar", files);
        Path root = tmp.resolve("cache");
        int racers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(racers + 1);
        try {
            CountDownLatch start = new CountDownLatch(1);
            AtomicBoolean done = new AtomicBoolean();
            ConcurrentLinkedQueue<Long> seen = new ConcurrentLinkedQueue<>();
            Future<?> watcher = pool.submit(() -> {
                while (!done.get()) {
                    try (Stream<Path> found = Files.walk(root)) {
                        for (Path p : found.filter(p -> p.getFileName().toString().equals("libbig.so")).toList()) seen.add(Files.size(p));
                    } catch (IOException | java.io.UncheckedIOException raced) { /* a folder or file appeared while walking */ }
                }
                return null;
            });
            List<Future<NativeCache.Result>> results = new ArrayList<>();
            for (int i = 0; i < racers; i++) results.add(pool.submit(() -> { start.await(); return NativeCache.extract(jar, ARM, root); }));
            start.countDown();
            Path dir = null;
            for (Future<NativeCache.Result> f : results) {
                Path d = f.get().dir();
                if (dir == null) dir = d;
                assertEquals(dir, d);
            }
            done.set(true);
            watcher.get();
            assertArrayEquals(big, Files.readAllBytes(dir.resolve("libbig.so")));
            assertTrue(seen.stream().allMatch(s -> s == big.length), "sizes seen under the final name: " + seen.stream().distinct().toList());
            assertEquals(List.of("libadabm_native.so", "libbig.so", "libgomp.so.1"), names(dir));
        } finally {
            pool.shutdownNow();
        }
    }

}
