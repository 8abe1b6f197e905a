package adabm.cli;

import java.io.PrintStream;

/**
 * Progress of a long run: a redrawn bar with ETA on a terminal, one plain line per step otherwise
 * (so logs and pipes stay readable).
 */
public final class Progress {
    private final PrintStream out;
    private final String label;
    private final int total;
    private final boolean terminal;
    private final long start = System.nanoTime();

    public Progress(PrintStream out, String label, int total) {
        this(out, label, total, System.console() != null && System.console().isTerminal());
    }

    Progress(PrintStream out, String label, int total, boolean terminal) {
        this.out = out;
        this.label = label;
        this.total = Math.max(total, 1);
        this.terminal = terminal;
    }

    /** Reports that {@code done} of the total steps are finished; {@code note} says what was just done. */
    public void step(int done, String note) {
        double elapsed = (System.nanoTime() - start) / 1e9;
        double eta = done > 0 ? elapsed / done * (total - done) : Double.NaN;
        String etaText = Double.isNaN(eta) ? "?" : formatSeconds(eta);
        if (terminal) {
            int width = 30, filled = (int) Math.round(width * (double) done / total);
            String bar = "#".repeat(filled) + "-".repeat(width - filled);
            out.printf("\r%s [%s] %d/%d  %s  ETA %s   ", label, bar, done, total, note, etaText);
            if (done >= total) out.println();
        } else {
            out.printf("%s %d/%d %s (elapsed %s, ETA %s)%n", label, done, total, note, formatSeconds(elapsed), etaText);
        }
        out.flush();
    }

    static String formatSeconds(double s) {
        if (s < 60) return String.format("%.1fs", s);
        long t = Math.round(s);
        return String.format("%dm%02ds", t / 60, t % 60);
    }
}
