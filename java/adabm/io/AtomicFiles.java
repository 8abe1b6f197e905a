package adabm.io;

import adabm.AdabmException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old file or the whole new one, never a half-written one: the content
 * goes to a hidden temporary file in the same directory (same file system, so the rename is atomic), is forced to
 * disk, and the temporary file is renamed over the target. On any failure the temporary file is deleted. The
 * temporary file is created like any new file (umask permissions), not with {@code Files.createTempFile}'s
 * owner-only ones, which the rename would carry over to the target.
 */
public final class AtomicFiles {
    /** Writes the content to the given (temporary) path. */
    @FunctionalInterface
    public interface Content {
        void writeTo(Path file) throws IOException;
    }

    private AtomicFiles() { }

    public static void write(Path file, byte[] content) {
        write(file, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) ch.write(b);
            }
        });
    }

    public static void writeString(Path file, String text) { write(file, text.getBytes(StandardCharsets.UTF_8)); }

    /** Lets {@code content} write a temporary file next to {@code file}, then renames it over {@code file}. */
    public static void write(Path file, Content content) {
        Path target = file.toAbsolutePath().normalize();
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new AdabmException(file + ": cannot write, directory " + dir + " does not exist");
        Path tmp = null;
        try {
            tmp = createTemporary(dir, target.getFileName().toString());
            content.writeTo(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) { ch.force(true); }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            String why = Files.isDirectory(target) ? "it is a directory" : e.toString();
            throw new AdabmException(file + ": cannot write (" + why + ")", e);
        } finally {
            if (tmp != null) {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* the write already failed; report that */ }
            }
        }
    }

    /** A new empty hidden file ".name.random.tmp" in dir, with default permissions. */
    private static Path createTemporary(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + name + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException taken) {
                if (attempt >= 100) throw taken;
            }
        }
    }
}
