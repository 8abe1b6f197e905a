package adabm.bench;

import adabm.backend.onednn.Int8Plan;
import adabm.eval.Dataset;
import adabm.graph.Graph;
import adabm.io.ModelLoader;
import adabm.quant.QuantModel;
import adabm.quant.artifact.QuantArtifact;
import adabm.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.OptionalInt;

/**
 * SHA-256 of the integer plan's raw float32 output per image (EXACT and FAST modes), to check that two native
 * libraries (e.g. before and after a change that must not move a bit) compute byte-identical outputs: run it once
 * per library (-Dadabm.native.dir) and diff the printed lines.
 *
 *   bench/run Int8PlanDigest --model FILE --quant A.json --data DIR [--scale N] [--threads N]
 */
public final class Int8PlanDigest {
    public static void main(String[] args) throws Exception {
        Path model = null, quant = null, data = null;
        Integer scale = null;
        int threads = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Path.of(args[++i]);
                case "--quant" -> quant = Path.of(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                case "--scale" -> scale = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (model == null || quant == null || data == null) throw new IllegalArgumentException("need --model, --quant and --data");
        Graph g = ModelLoader.load(model, scale == null ? OptionalInt.empty() : OptionalInt.of(scale));
        int s = scale != null ? scale : g.scale();
        QuantModel qm = QuantArtifact.read(quant, g, model.toString()).model();
        for (Int8Plan.Mode mode : Int8Plan.Mode.values()) {
            try (Int8Plan plan = new Int8Plan(qm, threads, mode)) {
                for (Dataset.ImagePair pair : Dataset.open(data).pairs(s)) {
                    Tensor out = plan.run(pair.readLr()).output();
                    System.out.println(mode + " " + pair.name() + " " + digest(out.data));
                }
            }
        }
    }

    static String digest(float[] v) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);   // raw bits: a -0 or a NaN payload counts too
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array())).substring(0, 32);
    }
}
