package adabm.perf;

import adabm.backend.onednn.StepTime;
import adabm.graph.Graph;
import adabm.graph.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Turns the per-step times of profiled plan runs into per-layer rows: one untimed warm-up run (primitives are built
 * and caches warmed there), then `repeats` runs whose step times give each row's median; MACs of each conv from the
 * graph's shapes for the image, and the peak of the step's precision on the ISA level ({@link PeakOps}).
 */
public final class LayerProfiler {
    private LayerProfiler() { }

    /** How the peak is computed for a run: the ISA level, the cores (threads) and the measured clock. */
    public record Machine(IsaLevel isa, int cores, double clockHz) { }

    /**
     * @param run     runs the plan once on the image with profiling on and returns that run's steps
     * @param g       the graph the plan was built from (for the conv output shapes; a float plan's folded convs write
     *                the tensor of the batch norm they absorbed, which has the conv's shape)
     */
    public static List<LayerProfile> profile(Supplier<List<StepTime>> run, int repeats, Graph g, int h, int w, Machine machine) {
        return profile(run, repeats, g, h, w, int8 -> PeakOps.peakOpsPerSecond(machine.isa(), int8, machine.cores(), machine.clockHz()));
    }

    /** The peak ops/s that applies to a conv step of the given precision (0: not known, no share of peak). */
    public interface Peak { double opsPerSecond(boolean int8); }

    /** As above, with the peak given directly (the GPU plans: no ISA level, peak not known here). */
    public static List<LayerProfile> profile(Supplier<List<StepTime>> run, int repeats, Graph g, int h, int w, Peak peakOf) {
        if (repeats < 1) throw new IllegalArgumentException("repeats must be positive, got " + repeats);
        List<StepTime> first = run.get();   // warm-up
        double[][] ms = new double[first.size()][repeats];
        for (int r = 0; r < repeats; r++) {
            List<StepTime> steps = run.get();
            if (!sameSteps(first, steps))
                throw new IllegalStateException("the plan ran different steps in two runs of one image (" + first.size() + " vs " + steps.size() + ")");
            for (int k = 0; k < steps.size(); k++) ms[k][r] = steps.get(k).ms();
        }
        var shapes = g.inferShapes(h, w);
        List<LayerProfile> rows = new ArrayList<>();
        for (int k = 0; k < first.size(); k++) {
            StepTime s = first.get(k);
            long macs = 0;
            double peak = 0;
            String geometry = "";
            if (s.kind().conv() && s.op() instanceof Op.Conv2d c) {
                Graph.Shape o = shapes.get(c.output());
                macs = c.macsPerPixel() * o.h() * o.w();
                peak = peakOf.opsPerSecond(s.kind() == StepTime.Kind.INT8_CONV);
                geometry = geometry(c);
            }
            rows.add(new LayerProfile(s.opIndex(), name(s, k == 0), s.kind().label(), s.implementation(), geometry, median(ms[k]), macs, peak));
        }
        return rows;
    }

    /** "3x3 64->64", with "/g4" for grouped convs. */
    public static String geometry(Op.Conv2d c) {
        return c.kernelH() + "x" + c.kernelW() + " " + c.inChannels() + "->" + c.outChannels() + (c.groups() > 1 ? "/g" + c.groups() : "");
    }

    private static String name(StepTime s, boolean first) {
        if (s.op() == null) return first ? "input reorder" : "output reorder";
        String name = s.op().name();
        return switch (s.kind()) {
            case QUANTIZE -> "quantize for " + name;
            case SHUFFLE_CODES -> "shuffle codes for " + name;
            default -> name;
        };
    }

    private static boolean sameSteps(List<StepTime> a, List<StepTime> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++)
            if (a.get(i).opIndex() != b.get(i).opIndex() || a.get(i).kind() != b.get(i).kind()) return false;
        return true;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
