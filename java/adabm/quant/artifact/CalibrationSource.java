package adabm.quant.artifact;

import adabm.quant.CalibrationPatches;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Where the calibration patches came from: the folder, how many files it held, and a SHA-256 over the sorted file
 * names and sizes (cheap to recompute; tells whether the folder changed since, without hashing every image).
 */
public record CalibrationSource(String folder, int files, String digest) {
    public static CalibrationSource of(Path folder) {
        List<Path> files = CalibrationPatches.files(folder);
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path f : files)
                md.update((f.getFileName() + "\t" + Files.size(f) + "\n").getBytes(StandardCharsets.UTF_8));
            return new CalibrationSource(folder.toAbsolutePath().normalize().toString(), files.size(),
                    "sha256:" + HexFormat.of().formatHex(md.digest()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of a file in " + folder, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
