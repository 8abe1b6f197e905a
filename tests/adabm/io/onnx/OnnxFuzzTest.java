package adabm.io.onnx;

import static org.junit.jupiter.api.Assertions.*;

import adabm.AdabmException;
import adabm.TestData;
import adabm.backend.BackendOptions;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.graph.Graph;
import adabm.io.onnx.proto.OnnxProto.*;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated ONNX files (seeded) either import, and then their shapes infer and a small input runs, or fail with an
 * {@link AdabmException} subclass: never another exception type, never a hang, never an absurd allocation.
 * Byte mutations hit the node/metadata regions of the real models more often than the weight blobs, where most
 * flips would only change a weight value. Set ADABM_FUZZ_VERBOSE=1 to print every mutation and its outcome.
 */
class OnnxFuzzTest {
    static final int BYTE_MUTANTS = 100, STRUCTURAL_MUTANTS = 100;   // x 3 sources = 600 files, ~6 s
    /** Fixed for reproducible runs; ADABM_FUZZ_SEED explores other mutations. */
    static final long SEED = Long.parseLong(Objects.requireNonNullElse(System.getenv("ADABM_FUZZ_SEED"), "20261129"));
    static final Duration PER_FILE = Duration.ofSeconds(5);

    @TempDir Path dir;
    final Map<String, Integer> outcomes = new TreeMap<>();
    int files;

    @Test void mutatedModelsFailCleanlyOrLoad() throws IOException {
        List<ModelProto> sources = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        sources.add(AllOpsTestModel.build());
        labels.add("all_ops");
        Graph sanity = OnnxImporter.fromModel(sources.get(0), "all_ops.onnx");
        assertEquals(new Graph.Shape(3, 10, 12), sanity.inferShapes(5, 6).get(sanity.output()), "the unmutated fixture loads");
        for (String m : List.of("esrgan_slim_x2", "carn_m_x2")) {
            sources.add(ModelProto.parseFrom(Files.readAllBytes(TestData.model(m + ".onnx"))));
            labels.add(m);
        }
        long t0 = System.nanoTime();
        for (int s = 0; s < sources.size(); s++) {
            Random r = new Random(SEED + s);
            byte[] original = sources.get(s).toByteArray();
            int nodeBytes = 0;
            for (NodeProto n : sources.get(s).getGraph().getNodeList()) nodeBytes += n.getSerializedSize() + 4;
            for (int i = 0; i < BYTE_MUTANTS; i++) {
                StringBuilder what = new StringBuilder(labels.get(s) + " byte#" + i + ": ");
                check(byteMutant(original, nodeBytes, r, what), what.toString());
            }
            for (int i = 0; i < STRUCTURAL_MUTANTS; i++) {
                ModelProto.Builder b = sources.get(s).toBuilder();
                String what = labels.get(s) + " struct#" + i + ": " + StructuralMutations.apply(b, r);
                check(b.build().toByteArray(), what);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("onnx fuzz (seed " + SEED + "): %d files in %.1f s, outcomes %s%n", files, seconds, outcomes);
        assertTrue(files >= 300, "at least 300 mutants");
        assertTrue(outcomes.getOrDefault("loaded", 0) > 0 && outcomes.getOrDefault("loaded", 0) < files,
                "mutations must produce both loadable and rejected files: " + outcomes);
    }

    /** Truncation, flips, insertion or deletion; offsets favour the node list (file start) and the trailing metadata. */
    static byte[] byteMutant(byte[] in, int nodeBytes, Random r, StringBuilder what) {
        int kind = r.nextInt(4);
        int region = r.nextInt(10);
        int head = Math.min(in.length, nodeBytes + 256);
        int at = region < 4 ? r.nextInt(head) : region < 6 ? in.length - 1 - r.nextInt(Math.min(in.length, 2048)) : r.nextInt(in.length);
        switch (kind) {
            case 0 -> { what.append("truncate at ").append(at); return Arrays.copyOf(in, at); }
            case 1 -> {
                byte[] out = in.clone();
                int flips = 1 + r.nextInt(8);
                what.append(flips).append(" flips near ").append(at);
                for (int f = 0; f < flips; f++) {
                    int p = Math.clamp(at + r.nextInt(64) - 32, 0, out.length - 1);
                    out[p] ^= (byte) (1 << r.nextInt(8));
                }
                return out;
            }
            case 2 -> {
                int n = 1 + r.nextInt(16);
                byte[] ins = new byte[n];
                r.nextBytes(ins);
                what.append("insert ").append(n).append(" bytes at ").append(at);
                byte[] out = new byte[in.length + n];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(ins, 0, out, at, n);
                System.arraycopy(in, at, out, at + n, in.length - at);
                return out;
            }
            default -> {
                int n = Math.min(1 + r.nextInt(16), in.length - at);
                what.append("delete ").append(n).append(" bytes at ").append(at);
                byte[] out = new byte[in.length - n];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(in, at + n, out, at, in.length - at - n);
                return out;
            }
        }
    }

    void check(byte[] bytes, String what) throws IOException {
        Path file = dir.resolve("mutant" + files++ + ".onnx");
        Files.write(file, bytes);
        String outcome = assertTimeoutPreemptively(PER_FILE, () -> loadAndUse(file, what), what);
        outcomes.merge(outcome, 1, Integer::sum);
        Files.delete(file);
    }

    /** "loaded" or the AdabmException subclass name; any other throwable fails the test with the mutation named. */
    static String loadAndUse(Path file, String what) {
        Graph g;
        try {
            g = OnnxImporter.load(file);
        } catch (AdabmException e) {
            assertTrue(e.getMessage() != null && e.getMessage().startsWith(file.getFileName() + ":"), what + ": message must name the file: " + e.getMessage());
            if (System.getenv("ADABM_FUZZ_VERBOSE") != null) System.out.println("FZ " + what + " => " + e.getMessage().substring(0, Math.min(160, e.getMessage().length())));
            return e.getClass().getSimpleName();
        } catch (Throwable t) {
            throw new AssertionError(what + ": importer threw " + t, t);
        }
        try {
            g.inferShapes(OnnxImporter.PROBE_H, OnnxImporter.PROBE_W);
            runSmall(g);
        } catch (AdabmException e) {
            return "loaded";   // a shape that fails at 8x8 is a legitimate, typed refusal at run time
        } catch (Throwable t) {
            throw new AssertionError(what + ": loaded graph failed with " + t, t);
        }
        if (System.getenv("ADABM_FUZZ_VERBOSE") != null) System.out.println("FZ " + what + " => loaded");
        return "loaded";
    }

    /** Runs an 8x8 input when the activations stay small (a mutated pad of 4096 would legitimately need gigabytes). */
    static void runSmall(Graph g) {
        long total = 0;
        for (Graph.Shape s : g.inferShapes(8, 8).values()) total += s.elements();
        if (total > 4_000_000) return;
        try (Plan p = Backends.get("java").compile(g, new BackendOptions(1))) { p.run(OnnxTestModels.ramp(8, 8)); }
    }
}
