package adabm.cli;

import adabm.quant.LayerKind;
import adabm.quant.LayerRole;
import adabm.quant.QuantMode;
import adabm.quant.QuantSpec;
import adabm.quant.train.FineTuner;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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

    @Option(names = "--role", paramLabel = "PATTERN=ROLE",
            description = {"override the derived role (first, body, upsampler, last) of the convs whose names match PATTERN",
                    "(a glob, or regex:...); repeatable, later wins"})
    LinkedHashMap<String, String> roles = new LinkedHashMap<>();

    @Option(names = "--kind", paramLabel = "PATTERN=KIND",
            description = {"override the kind (adaptive, fixed8, fixed_base, float) of the convs whose names match PATTERN,",
                    "after roles; repeatable, later wins. E.g. --kind 'regex:(b[0-9]\\.)?c[0-9]\\.body\\.0=adaptive'",
                    "quantizes CARN's cascading 1x1 convs adaptively"})
    LinkedHashMap<String, String> kinds = new LinkedHashMap<>();

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

    /** Bits outside 2..8, an unknown mode, role or kind fail here, before any work. */
    QuantSpec spec() {
        Map<String, LayerRole> r = new LinkedHashMap<>();
        roles.forEach((p, v) -> r.put(p, named("--role", p, v, LayerRole::parse)));
        Map<String, LayerKind> k = new LinkedHashMap<>();
        kinds.forEach((p, v) -> k.put(p, named("--kind", p, v, LayerKind::parse)));
        return new QuantSpec(wBits, aBits, QuantMode.parse(mode), r, k);
    }

    private static <T> T named(String option, String pattern, String value, java.util.function.Function<String, T> parse) {
        try {
            return parse.apply(value.toLowerCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + pattern + "=" + value + ": " + e.getMessage());
        }
    }

    int patches(int dflt) { return patches != null ? patches : dflt; }

    int patchSize(int dflt) { return patchSize != null ? patchSize : dflt; }

    /** The schedule with --epochs, --steps and --lambda-bit applied where given. */
    FineTuner.Options fineTuning(FineTuner.Options dflt) {
        FineTuner.Options f = dflt.withSize(epochs != null ? epochs : dflt.epochs(), steps != null ? steps : dflt.steps(), dflt.batch());
        return lambdaBit != null ? f.withLambdaBit(lambdaBit) : f;
    }
}
