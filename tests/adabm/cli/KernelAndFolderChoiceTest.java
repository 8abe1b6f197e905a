package adabm.cli;

import static org.junit.jupiter.api.Assertions.*;

import adabm.AdabmException;
import adabm.backend.Backend;
import adabm.backend.BackendUnavailableException;
import adabm.backend.Backends;
import adabm.backend.ConvKernels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two rules the quantization commands share: which conv kernels run, and what --calib DIR means. */
class KernelAndFolderChoiceTest {
    @TempDir Path tmp;

    @Test void aNamedBackendIsTakenAndAnUnknownOneIsAnError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ConvKernels k = ConvKernelsChoice.open("java", 1, new PrintStream(err, true))) {
            assertEquals("java", k.name());
        }
        assertEquals("", err.toString());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> ConvKernelsChoice.open("tpu", 1, new PrintStream(err, true)));
        assertTrue(e.getMessage().contains("tpu"), e.getMessage());
    }

    @Test void theDefaultIsOneDnnWhereItLoadsElseJavaSaidOnStderr() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Backend onednn = Backends.all().stream().filter(b -> b.name().equals("onednn")).findFirst().orElseThrow();
        try (ConvKernels k = ConvKernelsChoice.open(null, 1, new PrintStream(err, true))) {
            if (onednn.availability().available()) {
                assertEquals("onednn", k.name());
                assertEquals("", err.toString());
            } else {
                assertEquals("java", k.name());
                assertTrue(err.toString().contains("using the java conv kernels"), err.toString());
            }
        }
    }

    @Test void calibrationFolderIsTheFolderOrADataSetsLrImages() throws Exception {
        Path plain = Files.createDirectories(tmp.resolve("images"));
        assertEquals(plain, CalibrationFolders.resolve(plain, 4));
        Path set = tmp.resolve("Set");
        Path x2 = Files.createDirectories(set.resolve("LR_bicubic/X2"));
        Files.createDirectories(set.resolve("HR"));
        assertEquals(x2, CalibrationFolders.resolve(set, 2));
        AdabmException noScale = assertThrows(AdabmException.class, () -> CalibrationFolders.resolve(set, 3));
        assertTrue(noScale.getMessage().contains("LR_bicubic/X3"), noScale.getMessage());
        AdabmException missing = assertThrows(AdabmException.class, () -> CalibrationFolders.resolve(tmp.resolve("nope"), 2));
        assertTrue(missing.getMessage().contains("nope") && missing.getMessage().contains("no such folder"), missing.getMessage());
    }
}
