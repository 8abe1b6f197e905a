package adabm.io.torch;

import adabm.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads the tensors of a PyTorch state_dict file without Python and without executing pickled code. Both
 * torch.save formats are understood: the zip archive (torch >= 1.6) and the legacy concatenated-pickle stream.
 */
public final class TorchCheckpoint {
    private TorchCheckpoint() { }

    /** Upper bound on a checkpoint file; larger state_dicts are far beyond the SR models this engine runs. */
    static final long MAX_FILE_BYTES = 1L << 30;

    /** name → tensor, in the state_dict's order. */
    public static Map<String, TorchTensor> load(Path file) {
        String source = file.getFileName().toString();
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) throw new ModelFormatException("checkpoint " + source + ": " + size + " bytes is larger than the " + MAX_FILE_BYTES + "-byte limit");
            if (size < 4) throw new ModelFormatException("checkpoint " + source + ": file of " + size + " bytes is not a PyTorch checkpoint");
            byte[] head = new byte[4];
            try (var in = Files.newInputStream(file)) {
                if (in.readNBytes(head, 0, 4) != 4) throw new ModelFormatException("checkpoint " + source + ": cannot read the header");
            }
            if (head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return ZipCheckpointReader.read(file, source, size);
            if ((head[0] & 0xff) == 0x80) return LegacyCheckpointReader.read(Files.readAllBytes(file), source);
            throw new ModelFormatException("checkpoint " + source + ": neither a torch zip archive nor a legacy torch pickle (starts with 0x"
                    + String.format("%02x%02x%02x%02x", head[0], head[1], head[2], head[3]) + ")");
        } catch (IOException e) {
            throw new ModelFormatException("checkpoint " + source + ": cannot read: " + e.getMessage(), e);
        }
    }
}
