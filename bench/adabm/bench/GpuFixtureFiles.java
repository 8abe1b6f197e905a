package adabm.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files that carry an int8 plan to a GPU machine without Java (tests/gpu/gpu_check.cpp, bench/gpu/torch_baseline.py)
 * and its outputs back: raw little-endian float32 / int32 arrays and the per-model {@code meta.txt}.
 *
 * <p>meta.txt, one {@code key value} pair per line, in this order: {@code ops N}, {@code scale S},
 * {@code map_enabled 0|1}, {@code tau_low D}, {@code tau_high D} (Double.toString, full precision), {@code images K},
 * then K lines {@code image <name> <c> <h> <w> <outC> <outH> <outW> <offset> <complexity>} (offset -1..1, complexity
 * Double.toString). Names are the data set's image names (no spaces).
 */
final class GpuFixtureFiles {
    private GpuFixtureFiles() { }

    /** One image of a fixture: its LR shape, the plan's output shape, the image offset the CPU plan took and why. */
    record Image(String name, int c, int h, int w, int outC, int outH, int outW, int offset, double complexity) {
        Image {
            if (name.isEmpty() || name.chars().anyMatch(Character::isWhitespace))
                throw new IllegalArgumentException("image name must be one non-empty word, got '" + name + "'");
        }

        long inElements() { return (long) c * h * w; }

        long outElements() { return (long) outC * outH * outW; }
    }

    /** meta.txt of one model. */
    record Meta(int ops, int scale, boolean mapEnabled, double tauLow, double tauHigh, List<Image> images) {
        Meta { images = List.copyOf(images); }

        long outElements() { return images.stream().mapToLong(Image::outElements).sum(); }
    }

    static void writeMeta(Path file, Meta m) throws IOException {
        StringBuilder s = new StringBuilder();
        s.append("ops ").append(m.ops()).append('\n');
        s.append("scale ").append(m.scale()).append('\n');
        s.append("map_enabled ").append(m.mapEnabled() ? 1 : 0).append('\n');
        s.append("tau_low ").append(Double.toString(m.tauLow())).append('\n');
        s.append("tau_high ").append(Double.toString(m.tauHigh())).append('\n');
        s.append("images ").append(m.images().size()).append('\n');
        for (Image i : m.images())
            s.append("image ").append(i.name()).append(' ').append(i.c()).append(' ').append(i.h()).append(' ').append(i.w())
                    .append(' ').append(i.outC()).append(' ').append(i.outH()).append(' ').append(i.outW())
                    .append(' ').append(i.offset()).append(' ').append(Double.toString(i.complexity())).append('\n');
        Files.writeString(file, s, StandardCharsets.US_ASCII);
    }

    static Meta readMeta(Path file) throws IOException {
        Map<String, String> keys = new LinkedHashMap<>();
        List<Image> images = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            lineNo++;
            if (line.isBlank()) continue;
            String[] f = line.trim().split("\\s+");
            try {
                if (f[0].equals("image")) {
                    if (f.length != 10) throw new IllegalArgumentException("an image line has 10 fields, found " + f.length);
                    images.add(new Image(f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]),
                            Integer.parseInt(f[5]), Integer.parseInt(f[6]), Integer.parseInt(f[7]), Integer.parseInt(f[8]),
                            Double.parseDouble(f[9])));
                } else {
                    if (f.length != 2) throw new IllegalArgumentException("expected 'key value'");
                    keys.put(f[0], f[1]);
                }
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " line " + lineNo + ": " + e.getMessage(), e);
            }
        }
        try {
            Meta m = new Meta(Integer.parseInt(need(keys, "ops")), Integer.parseInt(need(keys, "scale")),
                    need(keys, "map_enabled").equals("1"), Double.parseDouble(need(keys, "tau_low")),
                    Double.parseDouble(need(keys, "tau_high")), images);
            int announced = Integer.parseInt(need(keys, "images"));
            if (announced != images.size()) throw new IllegalArgumentException("images " + announced + " but " + images.size() + " image lines");
            return m;
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static String need(Map<String, String> keys, String key) {
        String v = keys.get(key);
        if (v == null) throw new IllegalArgumentException("missing key '" + key + "'");
        return v;
    }

    static void writeF32(Path file, float[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(v.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        Files.write(file, b.array());
    }

    static float[] readF32(Path file) throws IOException {
        ByteBuffer b = words(file);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    static void writeI32(Path file, int[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(v.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(v);
        Files.write(file, b.array());
    }

    static int[] readI32(Path file) throws IOException {
        ByteBuffer b = words(file);
        int[] v = new int[b.remaining() / 4];
        b.asIntBuffer().get(v);
        return v;
    }

    private static ByteBuffer words(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length % 4 != 0) throw new IOException(file + ": " + bytes.length + " bytes is not a whole number of 4-byte words");
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
