package adabm.io;

import adabm.AdabmException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a file so that readers see either the old file or the whole new one, never a half-written one: the bytes
 * go to a hidden temporary file in the same directory (same file system, so the rename is atomic), are forced to
 * disk, and the temporary file is renamed over the target. On any failure the temporary file is deleted.
 */
public final class AtomicFiles {
    private AtomicFiles() { }

    public static void write(Path file, byte[] content) {
        Path target = file.toAbsolutePath().normalize();
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new AdabmException(file + ": cannot write, directory " + dir + " does not exist");
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) ch.write(b);
                ch.force(true);
            }
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
}
