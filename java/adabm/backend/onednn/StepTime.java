package adabm.backend.onednn;

import adabm.graph.Op;

/**
 * One step of a profiled plan run (native/src/step_profile.h): the op it ran (null for the layout reorders at either
 * end of the plan), what kind of step it was, the oneDNN implementation of a conv (for fused ops of the integer plan:
 * which op kinds and what the pass writes; "" otherwise) and its wall time.
 * A float plan's conv step includes the element-wise ops fused into it as post-ops.
 */
public record StepTime(int opIndex, Op op, Kind kind, String implementation, double ms) {

    /** The ADABM_STEP_* codes of native/include/adabm.h, in order. */
    public enum Kind {
        REORDER("reorder"), FP32_CONV("fp32 conv"), INT8_CONV("int8 conv"), FLOAT_OP("float op"),
        QUANTIZE("quantize"), SHUFFLE_CODES("shuffle codes"), FUSED_OPS("fused ops");

        private final String label;

        Kind(String label) { this.label = label; }

        public String label() { return label; }

        public boolean conv() { return this == FP32_CONV || this == INT8_CONV; }

        static Kind of(int code) {
            Kind[] all = values();
            if (code < 0 || code >= all.length) throw new IllegalStateException("unknown native step kind " + code);
            return all[code];
        }
    }
}
