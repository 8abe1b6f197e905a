package adabm.perf;

import adabm.backend.cuda.CudaTimes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The text `adabm profile` prints: one per-layer table per ISA level and precision, then a summary across levels. */
public final class ProfileReport {
    private ProfileReport() { }

    /** A group of convs of one geometry in one run: their time, and their share of the peak (time at peak / time). */
    public record Group(String geometry, int convs, double ms, double gops, double peakShare) { }

    public static String table(IsaProfile p) {
        StringBuilder b = new StringBuilder();
        if (p.isa().aarch64())   // the ACL build: nothing capped, no peak table for ARM cores
            b.append(String.format(Locale.ROOT, "== %s: ARM Compute Library build, CPU %s; clock %.2f GHz, %d thread(s); peak not known ==%n",
                    p.isa().envValue(), p.effectiveIsa(), p.clockHz() / 1e9, p.threads()));
        else
            b.append(String.format(Locale.ROOT, "== %s: oneDNN effective ISA %s (%s); clock %.2f GHz, %d thread(s); peak per run: fp32 %.1f, int8 %.1f GOPS ==%n",
                    p.isa().envValue(), p.effectiveIsa(), p.capHeld() ? "cap held" : "CAP NOT HELD, expected " + p.isa().onednnName(),
                    p.clockHz() / 1e9, p.threads(), peak(p, false) / 1e9, peak(p, true) / 1e9));
        List<String> above = p.kernelsAboveCap();
        if (!above.isEmpty()) b.append("   kernels above the cap: ").append(String.join(", ", above)).append('\n');
        for (PrecisionProfile r : p.runs()) {
            b.append(String.format(Locale.ROOT, "%s, %s: %.2f ms in %d steps (median of %d runs per step)%n", r.precision(), p.image(),
                    r.totalMs(), r.rows().size(), p.repeats()));
            b.append(String.format(Locale.ROOT, "%4s  %-30s %-13s %-12s %-48s %9s %8s %7s%n", "op", "layer", "kind", "geometry", "kernel", "ms", "GOPS", "%peak"));
            for (LayerProfile l : r.rows())
                b.append(String.format(Locale.ROOT, "%4s  %-30s %-13s %-12s %-48s %9.3f %8s %7s%n", l.op() < 0 ? "-" : Integer.toString(l.op()),
                        clip(l.name(), 30), l.kind(), l.geometry(), clip(l.kernel(), 48), l.ms(),
                        l.conv() ? String.format(Locale.ROOT, "%.2f", l.gops()) : "",
                        l.conv() ? share(l.peakShare(), p) : ""));
        }
        return b.toString();
    }

    /** The GPU plans' per-step tables (as {@link #table}, without a share of peak) and each run's time split. */
    public static String gpuTable(GpuProfile p) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "== GPU: %s ==%n", p.device()));
        for (int i = 0; i < p.runs().size(); i++) {
            PrecisionProfile r = p.runs().get(i);
            CudaTimes t = p.splits().get(i);
            b.append(String.format(Locale.ROOT, "%s, %s: %.3f ms in %d steps (median of %d runs per step); last run: copy in %.3f ms, "
                    + "compute %.3f ms, copy out %.3f ms%n", r.precision(), p.image(), r.totalMs(), r.rows().size(), p.repeats(),
                    t.h2dMs(), t.computeMs(), t.d2hMs()));
            b.append(String.format(Locale.ROOT, "%4s  %-30s %-13s %-12s %-48s %9s %8s%n", "op", "layer", "kind", "geometry", "kernel", "ms", "GOPS"));
            for (LayerProfile l : r.rows())
                b.append(String.format(Locale.ROOT, "%4s  %-30s %-13s %-12s %-48s %9.3f %8s%n", l.op() < 0 ? "-" : Integer.toString(l.op()),
                        clip(l.name(), 30), l.kind(), l.geometry(), clip(l.kernel(), 48), l.ms(),
                        l.conv() ? String.format(Locale.ROOT, "%.1f", l.gops()) : ""));
        }
        return b.toString();
    }

    /**
     * Per level and precision: total time and the convs of the geometry with the most work (in the first run of the
     * first profile; e.g. EDSR's 3x3 64->64 body convs).
     */
    public static String summary(List<IsaProfile> profiles) {
        if (profiles.isEmpty()) return "";
        String geometry = heaviestGeometry(profiles.getFirst().runs().getFirst());
        StringBuilder b = new StringBuilder();
        b.append("Summary: total time, and the ").append(geometry).append(" convs (the geometry with the most work)\n");
        b.append(String.format(Locale.ROOT, "%-17s %-18s %-9s %9s %6s %9s %8s %7s%n", "ISA", "effective", "precision", "total ms", "convs", "conv ms", "GOPS", "%peak"));
        for (IsaProfile p : profiles)
            for (PrecisionProfile r : p.runs()) {
                Group g = group(r, geometry);
                b.append(String.format(Locale.ROOT, "%-17s %-18s %-9s %9.2f %6d %9.2f %8.2f %7s%n", p.isa().envValue(), p.effectiveIsa(),
                        r.precision(), r.totalMs(), g.convs(), g.ms(), g.gops(), share(g.peakShare(), p)));
            }
        return b.toString();
    }

    /** A share of peak as "12.3%", or "-" where the level's peak is not known (aarch64). */
    static String share(double peakShare, IsaProfile p) {
        return p.isa().aarch64() ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * peakShare);
    }

    /** The conv geometry with the most MACs in a run. */
    public static String heaviestGeometry(PrecisionProfile run) {
        Map<String, Long> macs = new LinkedHashMap<>();
        for (LayerProfile l : run.rows()) if (l.conv()) macs.merge(l.geometry(), l.macs(), Long::sum);
        return macs.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
    }

    /** The convs of one geometry in a run. Share of peak = sum of their times at peak over the sum of their times. */
    public static Group group(PrecisionProfile run, String geometry) {
        int n = 0;
        double ms = 0, ops = 0, atPeakMs = 0;
        for (LayerProfile l : run.rows()) {
            if (!l.conv() || !l.geometry().equals(geometry)) continue;
            n++;
            ms += l.ms();
            ops += 2.0 * l.macs();
            atPeakMs += 2.0 * l.macs() / l.peakOpsPerS() * 1e3;
        }
        return new Group(geometry, n, ms, ms > 0 ? ops / (ms * 1e6) : 0, ms > 0 ? atPeakMs / ms : 0);
    }

    private static double peak(IsaProfile p, boolean int8) {
        return PeakOps.peakOpsPerSecond(p.isa(), int8, Math.min(p.threads(), Runtime.getRuntime().availableProcessors()), p.clockHz());
    }

    private static String clip(String s, int width) { return s.length() <= width ? s : s.substring(0, width - 1) + "~"; }
}
