package adabm.io.onnx;

/**
 * Decides whether ONNX Resize in nearest mode with an integer scale s is plain pixel replication
 * (out[y] = in[y / s]), which is the only resize the IR has. It evaluates the ONNX coordinate transformation and
 * nearest rounding formulas (Resize operator spec) for every output coordinate of a few input lengths, instead of
 * trusting a hand-made table: e.g. half_pixel + round_prefer_floor replicates for every s, asymmetric + floor too,
 * but asymmetric + round_prefer_floor only for s <= 2. Sampling lengths suffices: every transform except
 * align_corners is the same in each block of s outputs; align_corners at s = 2 maps y to y/2 - y/(2(2n-1)), which
 * rounds to y div 2 for every input length n, and fails at s >= 3 already for n = 5 (y = 2 maps to 8/14 -> 1).
 */
final class NearestReplication {
    private NearestReplication() { }

    static final java.util.Set<String> TRANSFORMS = java.util.Set.of("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
            "align_corners", "asymmetric", "tf_half_pixel_for_nearest", "tf_crop_and_resize");
    static final java.util.Set<String> ROUNDINGS = java.util.Set.of("round_prefer_floor", "round_prefer_ceil", "floor", "ceil");

    /** True when (transform, rounding) maps every output pixel y to input pixel y / scale. Names must be from the sets above. */
    static boolean isReplication(String transform, String rounding, int scale) {
        if (transform.equals("tf_crop_and_resize")) return false;   // depends on the roi input
        for (int in : new int[] {1, 2, 3, 5, 8, 13}) {
            int out = in * scale;
            for (int y = 0; y < out; y++) {
                long src = Math.clamp(round(rounding, original(transform, y, scale, in, out)), 0, in - 1);
                if (src != y / scale) return false;
            }
        }
        return true;
    }

    private static double original(String transform, int y, double scale, int in, int out) {
        return switch (transform) {
            case "half_pixel" -> (y + 0.5) / scale - 0.5;
            case "half_pixel_symmetric" -> {
                double adjustment = out / (scale * in);
                double centre = in / 2.0;
                yield centre * (1 - adjustment) + (y + 0.5) / scale - 0.5;
            }
            case "pytorch_half_pixel" -> out > 1 ? (y + 0.5) / scale - 0.5 : 0;
            case "align_corners" -> out == 1 ? 0 : y * (in - 1) / (double) (out - 1);
            case "asymmetric" -> y / scale;
            case "tf_half_pixel_for_nearest" -> (y + 0.5) / scale;
            default -> throw new IllegalArgumentException(transform);
        };
    }

    private static long round(String rounding, double v) {
        double f = Math.floor(v);
        return switch (rounding) {
            case "round_prefer_floor" -> (long) (v - f == 0.5 ? f : Math.floor(v + 0.5));
            case "round_prefer_ceil" -> (long) Math.floor(v + 0.5);
            case "floor" -> (long) f;
            case "ceil" -> (long) Math.ceil(v);
            default -> throw new IllegalArgumentException(rounding);
        };
    }
}
