package adabm.io.torch;

import static org.junit.jupiter.api.Assertions.*;

import adabm.AdabmException;
import adabm.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of a real zip checkpoint and of the legacy carn_m.pth, loaded all the way to a graph: each must
 * either load or throw an {@link AdabmException} subclass; any other exception, a hang or running out of memory fails.
 */
class CheckpointFuzzTest {
    static final int MUTATIONS = 320;
    @TempDir Path dir;

    @Test void zipCheckpointMutations() throws Exception {
        // the SRResNet fixture: small, and it holds Long storages (BN num_batches_tracked) besides Float ones
        fuzz(TestData.model("synthetic/srresnet_small_x2.pt"), OptionalInt.empty(), 11);
    }

    @Test void legacyCheckpointMutations() throws Exception {
        fuzz(TestData.model("carn_m.pth"), OptionalInt.of(4), 22);
    }

    /** Tensors of real state_dicts replaced by random shapes or removed: the builders must fail cleanly. */
    @Test void builderShapeMutations() {
        String[][] files = {{"edsr_baseline8_x2.pt", "2"}, {"carn_m.pth", "3"}, {"synthetic/rdn_small_x4.pt", "4"}, {"synthetic/srresnet_small_x4.pt", "4"}};
        List<String> failures = new ArrayList<>();
        int rejected = 0, total = 0;
        for (String[] f : files) {
            java.util.Map<String, TorchTensor> clean = TorchCheckpoint.load(TestData.model(f[0]));
            List<String> keys = new ArrayList<>(clean.keySet());
            for (int i = 0; i < 80; i++, total++) {
                Random r = new Random(33L * 1_000_003 + total);
                java.util.Map<String, TorchTensor> m = new java.util.LinkedHashMap<>(clean);
                String key = keys.get(r.nextInt(keys.size()));
                if (r.nextInt(4) == 0) m.remove(key);
                else {
                    int[] shape = new int[r.nextInt(5)];
                    int n = 1;
                    for (int d = 0; d < shape.length; d++) { shape[d] = r.nextInt(5) == 0 ? r.nextInt(3) : clean.get(key).rank() > d ? clean.get(key).dim(d) + r.nextInt(3) - 1 : 1 + r.nextInt(4); n *= Math.max(shape[d], 0); }
                    for (int d = 0; d < shape.length; d++) shape[d] = Math.max(shape[d], 0);
                    m.put(key, new TorchTensor(key, r.nextInt(8) == 0 ? "Long" : "Float", shape, new float[n]));
                }
                try {
                    TorchModels.build(f[0], m, OptionalInt.of(Integer.parseInt(f[1])));
                } catch (AdabmException e) {
                    rejected++;
                } catch (Throwable t) {
                    failures.add(f[0] + " mutation " + i + " of '" + key + "': " + t);
                }
            }
        }
        System.out.printf("builder shape fuzz: %d mutations, %d rejected%n", total, rejected);
        assertEquals(List.of(), failures);
        assertTrue(rejected > total / 2);
    }

    private void fuzz(Path original, OptionalInt scale, long seed) throws Exception {
        byte[] clean = Files.readAllBytes(original);
        int[] pickle = pickleRegion(clean);
        List<Integer> headers = zipHeaders(clean);
        Path file = dir.resolve(original.getFileName().toString());
        int[] outcomes = new int[2]; // loaded, rejected
        List<String> failures = new ArrayList<>();
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < MUTATIONS; i++) {
                Random r = new Random(seed * 1_000_003 + i);
                String[] what = new String[1];
                byte[] mutated = mutate(clean, r, i % 6, pickle, headers, what);
                Files.write(file, mutated);
                try {
                    TorchModels.load(file, scale);
                    outcomes[0]++;
                } catch (AdabmException e) {
                    outcomes[1]++;
                    assertNotNull(e.getMessage());
                } catch (Throwable t) {
                    failures.add("mutation " + i + " (" + what[0] + "): " + t);
                }
            }
        });
        System.out.printf("fuzz %s: %d mutations, %d loaded, %d rejected with AdabmException%n", original.getFileName(), MUTATIONS, outcomes[0], outcomes[1]);
        assertEquals(List.of(), failures);
        assertTrue(outcomes[1] > MUTATIONS / 4, "most damage should be detected");
    }

    /** One of: truncation, bit flips, insertion, deletion, zip-structure corruption, pickle opcode mutation. */
    private static byte[] mutate(byte[] clean, Random r, int kind, int[] pickle, List<Integer> headers, String[] what) {
        byte[] b = clean.clone();
        switch (kind) {
            case 0 -> { int n = r.nextInt(b.length); what[0] = "truncate to " + n; return Arrays.copyOf(b, n); }
            case 1 -> {
                int flips = 1 + r.nextInt(8);
                what[0] = flips + " bit flips";
                for (int f = 0; f < flips; f++) { int at = r.nextInt(b.length); b[at] ^= (byte) (1 << r.nextInt(8)); }
                return b;
            }
            case 2 -> {
                int at = r.nextInt(b.length), n = 1 + r.nextInt(16);
                what[0] = "insert " + n + " bytes at " + at;
                byte[] ins = new byte[n];
                r.nextBytes(ins);
                byte[] out = new byte[b.length + n];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(ins, 0, out, at, n);
                System.arraycopy(b, at, out, at + n, b.length - at);
                return out;
            }
            case 3 -> {
                int at = r.nextInt(b.length), n = Math.min(1 + r.nextInt(64), b.length - at);
                what[0] = "delete " + n + " bytes at " + at;
                byte[] out = new byte[b.length - n];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + n, out, at, b.length - at - n);
                return out;
            }
            case 4 -> {
                // zip: a header field (sizes, offsets, name lengths); legacy: the storage records after the pickles
                if (!headers.isEmpty()) {
                    int h = headers.get(r.nextInt(headers.size())), at = Math.min(b.length - 1, h + 4 + r.nextInt(42));
                    b[at] = (byte) r.nextInt(256);
                    what[0] = "zip header byte " + at;
                } else {
                    int at = pickle[1] + r.nextInt(b.length - pickle[1]);
                    for (int k = 0; k < 8 && at + k < b.length; k++) b[at + k] = (byte) r.nextInt(256);
                    what[0] = "storage record bytes at " + at;
                }
                return b;
            }
            default -> {
                // replace bytes inside the state_dict pickle with pickle opcodes or small integers
                int[] ops = {'(', ')', '}', ']', 't', 'R', 'b', 'Q', 'q', 'h', 'K', 'M', 'J', 'X', 's', 'u', 'a', 'e', '.', 0x80, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x93, 0x94, 0x95, 'c', 'N', 0xff, 0};
                int n = 1 + r.nextInt(4);
                StringBuilder s = new StringBuilder("pickle bytes");
                for (int k = 0; k < n; k++) {
                    int at = pickle[0] + r.nextInt(pickle[1] - pickle[0]);
                    b[at] = (byte) ops[r.nextInt(ops.length)];
                    s.append(' ').append(at);
                }
                what[0] = s.toString();
                return b;
            }
        }
    }

    /** [start, end) of the state_dict pickle: in a zip the stored data.pkl, in the legacy file the first pickles. */
    private static int[] pickleRegion(byte[] b) {
        if (b[0] == 'P') {
            int start = indexOf(b, new byte[] {(byte) 0x80, 2, 'c'});
            int end = indexOf(b, new byte[] {'b', '.', 'P', 'K'});
            return new int[] {start, end > start ? end + 2 : start + 2000};
        }
        // legacy: everything up to the storage key list's STOP, found as the last "e." before the raw data
        int end = 0;
        for (int i = 0; i + 1 < Math.min(b.length, 20000); i++) if (b[i] == 'e' && b[i + 1] == '.') end = i + 2;
        return new int[] {0, end};
    }

    private static List<Integer> zipHeaders(byte[] b) {
        List<Integer> at = new ArrayList<>();
        if (b[0] != 'P') return at;
        for (int i = 0; i + 3 < b.length; i++)
            if (b[i] == 'P' && b[i + 1] == 'K' && (b[i + 2] == 1 || b[i + 2] == 3 || b[i + 2] == 5)) at.add(i);
        return at;
    }

    private static int indexOf(byte[] b, byte[] pat) {
        outer:
        for (int i = 0; i + pat.length <= b.length; i++) {
            for (int k = 0; k < pat.length; k++) if (b[i + k] != pat[k]) continue outer;
            return i;
        }
        return -1;
    }
}
