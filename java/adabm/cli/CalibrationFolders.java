package adabm.cli;

import adabm.AdabmException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code --calib DIR} means for quantize, compare and bitmap: a data set folder (one holding
 * {@code LR_bicubic/}) stands for its {@code LR_bicubic/X<scale>} images; any other folder is taken as the LR images.
 */
final class CalibrationFolders {
    private CalibrationFolders() { }

    static Path resolve(Path dir, int scale) {
        if (!Files.isDirectory(dir)) throw new AdabmException("--calib " + dir + ": no such folder");
        Path lr = dir.resolve("LR_bicubic");
        if (!Files.isDirectory(lr)) return dir;
        Path x = lr.resolve("X" + scale);
        if (!Files.isDirectory(x))
            throw new AdabmException("--calib " + dir + ": data set has no LR_bicubic/X" + scale + " folder (make it with adabm downscale)");
        return x;
    }
}
