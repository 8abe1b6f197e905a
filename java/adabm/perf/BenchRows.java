package adabm.perf;

import adabm.AdabmException;
import adabm.backend.ref.JavaConvKernels;
import adabm.backend.onednn.NativeCpu;
import adabm.backend.onednn.OneDnnConvKernels;
import adabm.graph.Graph;
import adabm.quant.QuantModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The row kinds `adabm bench` knows, by name. Each is one small {@link BenchRow} class; a new engine is one more
 * entry in {@link #KINDS} plus its class.
 */
public final class BenchRows {
    private BenchRows() { }

    /** What a row factory gets: the float graph, the quantized model (null without --quant), threads. */
    public record Context(Graph graph, QuantModel quant, int threads) { }

    interface Factory { BenchRow open(Context c); }

    private record Kind(boolean needsQuant, Factory factory) { }

    private static final Map<String, Kind> KINDS = new LinkedHashMap<>();
    static {
        KINDS.put("onednn-fp32", new Kind(false, c -> new FloatPlanRow("onednn", c.graph(), c.threads())));
        KINDS.put("java-fq", new Kind(true, c -> new FakeQuantRow(c.quant(), new JavaConvKernels(c.threads()))));
        KINDS.put("onednn-fq", new Kind(true, c -> new FakeQuantRow(c.quant(), new OneDnnConvKernels(c.threads()))));
        KINDS.put("onednn-int8", new Kind(true, c -> new Int8PlanRow("onednn-int8", c.quant(), c.threads())));
        // the same Java classes over the aarch64 build of the native library (ARM Compute Library)
        KINDS.put("acl-fp32", new Kind(false, c -> new FloatPlanRow("acl", c.graph(), c.threads())));
        KINDS.put("acl-int8", new Kind(true, c -> new Int8PlanRow("acl-int8", c.quant(), c.threads())));
        KINDS.put("cuda-fp32", new Kind(false, c -> new FloatPlanRow("cuda", c.graph(), c.threads())));
        KINDS.put("cuda-int8", new Kind(true, c -> new CudaInt8PlanRow(c.quant())));
    }

    /**
     * Rows run when --rows is not given: float only, or with --quant the quantized rows too; the native rows are this
     * machine's build (onednn-* on x86-64, acl-* on aarch64).
     */
    public static final List<String> DEFAULT_FLOAT = List.of(NativeCpu.floatBackendName() + "-fp32");
    public static final List<String> DEFAULT_QUANT = List.of("java-fq", NativeCpu.floatBackendName() + "-fp32", NativeCpu.int8BackendName());
    /** Added to the default rows where the cuda backend is available. */
    public static final List<String> DEFAULT_GPU_FLOAT = List.of("cuda-fp32");
    public static final List<String> DEFAULT_GPU_QUANT = List.of("cuda-fp32", "cuda-int8");

    /** Why the GPU rows cannot run here, or null when they can. */
    public static String gpuUnavailableReason() { return adabm.backend.cuda.CudaInt8Plan.unavailableReason(); }

    public static List<String> names() { return List.copyOf(KINDS.keySet()); }

    /** Opens the named rows; on failure, closes the ones already open. */
    public static List<BenchRow> open(List<String> names, Context c) {
        List<BenchRow> rows = new ArrayList<>();
        try {
            for (String n : names) {
                java.util.regex.Matcher fixed = java.util.regex.Pattern.compile("(java|onednn)-fq@(-1|0|1)").matcher(n);
                if (fixed.matches()) {
                    if (c.quant() == null) throw new AdabmException("bench row '" + n + "' needs a quantized model (--quant)");
                    int offset = Integer.parseInt(fixed.group(2));
                    rows.add(new FakeQuantRow(c.quant(), fixed.group(1).equals("java") ? new JavaConvKernels(c.threads())
                            : new OneDnnConvKernels(c.threads()), offset));
                    continue;
                }
                Kind k = KINDS.get(n);
                if (k == null) throw new IllegalArgumentException("unknown bench row '" + n + "'; known: " + String.join(", ", KINDS.keySet())
                        + ", and java-fq@K / onednn-fq@K (every image at image offset K = -1, 0 or 1)");
                if (k.needsQuant() && c.quant() == null) throw new AdabmException("bench row '" + n + "' needs a quantized model (--quant)");
                rows.add(k.factory().open(c));
            }
            return rows;
        } catch (RuntimeException e) {
            for (BenchRow r : rows) r.close();
            throw e;
        }
    }
}
