package adabm.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** What {@code --calib DIR} means: a data set folder (its {@code LR_bicubic/X<scale>} images) or a plain folder of LR images. */
final class CalibrationFolders {
    private CalibrationFolders() { }

    static Path resolve(Path dir, int scale) {
        Path lr = dir.resolve("LR_bicubic").resolve("X" + scale);
        if (Files.isDirectory(lr)) return lr;
        if (Files.isDirectory(dir.resolve("LR_bicubic")))
            throw new IllegalArgumentException(dir + ": data set folder has no LR_bicubic/X" + scale + " for scale " + scale);
        return dir;
    }
}
