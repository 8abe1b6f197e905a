package adabm.io.torch.builders;

/** Pixel-shuffle factor of an upsampler conv from its widths: cout = r^2 * cin with r in {2, 3}. */
final class Upsampling {
    private Upsampling() { }

    static int factor(StateDict sd, StateDict.Conv c, int features) {
        for (int r = 2; r <= 3; r++) if (c.cout() == r * r * features) return r;
        throw sd.error("upsampler conv '" + c.key() + "' has " + c.cout() + " output channels; a pixel-shuffle of "
                + features + " features needs " + 4 * features + " (x2) or " + 9 * features + " (x3)");
    }

    static void checkRequested(StateDict sd, java.util.OptionalInt requested, int scale) {
        if (requested.isPresent() && requested.getAsInt() != scale)
            throw sd.error("the checkpoint is a x" + scale + " model, x" + requested.getAsInt() + " was requested");
    }
}
