package adabm.cli;

import adabm.quant.pipeline.QuantPipeline;
import adabm.quant.train.FineTuner;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of `adabm quantize` on stderr: the stage, then during fine-tuning epoch/E, step/S, loss, batch FAB and
 * ETA — one redrawn line on a terminal, otherwise a plain line every few steps (and at each epoch's end).
 */
final class QuantizeProgress implements QuantPipeline.Listener {
    private final PrintStream out;
    private final boolean terminal;
    private final int epochs, steps, every;
    private long fineTuneStart;
    private boolean lineOpen;

    QuantizeProgress(PrintStream out, int epochs, int steps) {
        this(out, epochs, steps, System.console() != null && System.console().isTerminal(), 10);
    }

    QuantizeProgress(PrintStream out, int epochs, int steps, boolean terminal, int every) {
        this.out = out;
        this.epochs = epochs;
        this.steps = steps;
        this.terminal = terminal;
        this.every = Math.max(1, every);
    }

    @Override public void stage(String name) {
        endLine();
        if (name.equals("fine-tuning")) {
            fineTuneStart = System.nanoTime();
            if (epochs == 0) return;
            out.printf("stage fine-tuning: %d epochs x %d steps%n", epochs, steps);
        } else {
            out.printf("stage %s%n", name);
        }
        out.flush();
    }

    @Override public void step(FineTuner.StepReport r) {
        int done = (r.epoch() - 1) * steps + r.step(), total = epochs * steps;
        double elapsed = (System.nanoTime() - fineTuneStart) / 1e9;
        String line = String.format(Locale.ROOT, "fine-tuning epoch %d/%d (%s) step %d/%d  loss %.5f  FAB %.2f  ETA %s",
                r.epoch(), epochs, r.stage().name().toLowerCase(Locale.ROOT), r.step(), steps, r.loss(), r.batchFab(),
                Progress.formatSeconds(elapsed / done * (total - done)));
        if (terminal) {
            out.print("\r" + line + "   ");
            lineOpen = true;
            if (done == total) endLine();
        } else if (r.step() % every == 0 || r.step() == steps) {
            out.println(line);
        }
        out.flush();
    }

    /** Ends a redrawn line before other output. */
    void endLine() {
        if (lineOpen) { out.println(); lineOpen = false; }
    }
}
