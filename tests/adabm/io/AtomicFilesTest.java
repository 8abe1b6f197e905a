package adabm.io;

import static org.junit.jupiter.api.Assertions.*;

import adabm.AdabmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole-or-nothing writes: replaced whole, nothing left behind on failure, ordinary permissions, no implicit folders. */
class AtomicFilesTest {
    @TempDir Path tmp;

    List<Path> listing() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) { return s.sorted().toList(); }
    }

    @Test void replacesTheFileWholeAndLeavesNoTemporaryFile() throws Exception {
        Path out = tmp.resolve("table.md");
        AtomicFiles.writeString(out, "old");
        AtomicFiles.writeString(out, "new text");
        assertEquals("new text", Files.readString(out));
        assertEquals(List.of(out), listing());
    }

    @Test void aFailedWriteKeepsTheOldFile() throws Exception {
        Path out = tmp.resolve("map.png");
        AtomicFiles.write(out, new byte[] {1, 2, 3});
        assertThrows(AdabmException.class, () -> AtomicFiles.write(out, tmp2 -> {
            Files.write(tmp2, new byte[] {9});
            throw new IOException("disk full");
        }));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(out));
        assertEquals(List.of(out), listing());
    }

    @Test void permissionsAreThoseOfAnyNewFile() throws Exception {
        if (!Files.getFileStore(tmp).supportsFileAttributeView("posix")) return;
        Path plain = Files.writeString(tmp.resolve("plain.txt"), "x");
        Path atomic = tmp.resolve("atomic.txt");
        AtomicFiles.writeString(atomic, "x");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(atomic), "not createTempFile's owner-only 0600");
    }

    @Test void aMissingFolderOrADirectoryTargetIsAnError() throws Exception {
        AdabmException e = assertThrows(AdabmException.class, () -> AtomicFiles.writeString(tmp.resolve("no/such/x.txt"), "x"));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("no")));
        Path dir = Files.createDirectory(tmp.resolve("taken"));
        e = assertThrows(AdabmException.class, () -> AtomicFiles.writeString(dir, "x"));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
        assertEquals(List.of(dir), listing());
    }
}
