package adabm.cli;

import adabm.quant.QuantMode;
import adabm.quant.QuantSpec;
import adabm.quant.train.FineTuner;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options of commands that quantize a model themselves (quantize, compare): bits and mode, calibration images,
 * patch count and size, fine-tuning schedule and seed. Unset numbers keep the defaults of the caller's settings.
 */
final class QuantizeOptions {
    @Option(names = "--calib", required = true,
            description = "calibration images: a folder of LR images, or a data set folder (its LR_bicubic/X{scale} is used)")
    Path calib;

    @Option(names = "--w-bits", defaultValue = "4", description = "weight bits of the quantized convs, 2..8 (default: ${DEFAULT-VALUE})")
    int wBits;

    @Option(names = "--a-bits", defaultValue = "4", description = "base activation bits, 2..8 (default: ${DEFAULT-VALUE})")
    int aBits;

    @Option(names = "--mode", defaultValue = "fq",
            description = "fq (head and tail W8A8) | body (head and tail stay float32) (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--patches", description = "number of calibration patches (default: 100)")
    Integer patches;

    @Option(names = "--patch-size", description = "calibration patch size in LR pixels (default: 96, 72 for RDN-like models)")
    Integer patchSize;

    @Option(names = "--epochs", description = "fine-tuning epochs (default: 10)")
    Integer epochs;

    @Option(names = "--steps", description = "fine-tuning steps per epoch (default: 50)")
    Integer steps;

    @Option(names = "--lambda-bit", description = "weight of the bit loss in fine-tuning (default: 50)")
    Double lambdaBit;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the patch sampling and fine-tuning (default: ${DEFAULT-VALUE})")
    long seed;

    /** Bits outside 2..8 or an unknown mode fail here, before any work. */
    QuantSpec spec() { return new QuantSpec(wBits, aBits, QuantMode.parse(mode)); }

    int patches(int dflt) { return patches != null ? patches : dflt; }

    int patchSize(int dflt) { return patchSize != null ? patchSize : dflt; }

    /** The schedule with --epochs, --steps and --lambda-bit applied where given. */
    FineTuner.Options fineTuning(FineTuner.Options dflt) {
        FineTuner.Options f = dflt.withSize(epochs != null ? epochs : dflt.epochs(), steps != null ? steps : dflt.steps(), dflt.batch());
        return lambdaBit != null ? f.withLambdaBit(lambdaBit) : f;
    }
}
