package adabm.backend.onednn;

import adabm.graph.Op;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The profiling entry points of libadabm_native (per-step times of the float and integer plans, oneDNN's effective
 * ISA, the measured core clock), bound apart from the rest so that a library without them breaks profiling only.
 */
@SuppressWarnings("restricted")
public final class ProfileNative {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;
    private static final int NAME_BYTES = 112;
    /** adabm_step_time of adabm.h: int32 op, int32 kind, double ms, char implementation[112] (the cuda plans' too). */
    public static final StructLayout STEP = MemoryLayout.structLayout(I32.withName("op"), I32.withName("kind"),
            ValueLayout.JAVA_DOUBLE.withName("ms"), MemoryLayout.sequenceLayout(NAME_BYTES, ValueLayout.JAVA_BYTE).withName("implementation"));

    private final NativeLibrary lib;
    private final MethodHandle planSet, planProfile, qplanSet, qplanProfile, effectiveIsa, clock;

    private ProfileNative(NativeLibrary lib) {
        this.lib = lib;
        planSet = lib.bind("adabm_plan_set_profiling", FunctionDescriptor.of(I32, PTR, I32));
        planProfile = lib.bind("adabm_plan_profile", FunctionDescriptor.of(I32, PTR, PTR, SIZE_T));
        qplanSet = lib.bind("adabm_qplan_set_profiling", FunctionDescriptor.of(I32, PTR, I32));
        qplanProfile = lib.bind("adabm_qplan_profile", FunctionDescriptor.of(I32, PTR, PTR, SIZE_T));
        effectiveIsa = lib.bind("adabm_effective_cpu_isa", FunctionDescriptor.of(I32, PTR, SIZE_T));
        clock = lib.bind("adabm_measure_clock_hz", FunctionDescriptor.of(I32, I32, PTR));
    }

    private static final class Holder {
        static final ProfileNative INSTANCE;
        static final String FAILURE;
        static {
            ProfileNative bound = null;
            String failure = NativeLibrary.failure();
            try {
                if (failure == null) bound = new ProfileNative(NativeLibrary.instance());
            } catch (Throwable t) {
                failure = "cannot bind the profiling entry points: " + t;
            }
            INSTANCE = bound;
            FAILURE = failure;
        }
    }

    /** The bound entry points; BackendUnavailableException with the reason when they are not available. */
    public static ProfileNative instance() {
        if (Holder.INSTANCE == null) throw new adabm.backend.BackendUnavailableException("native profiling is unavailable: " + Holder.FAILURE);
        return Holder.INSTANCE;
    }

    /** Why profiling is unavailable here, or null. */
    public static String failure() { return Holder.FAILURE; }

    private static IllegalStateException broken(Throwable t) { return new IllegalStateException("native call failed", t); }

    /** oneDNN's effective ISA in this process ("avx512_core_vnni"): the CPU's, capped by ONEDNN_MAX_CPU_ISA. */
    public String effectiveIsa() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            int rc = (int) effectiveIsa.invokeExact(buf, buf.byteSize());
            if (rc < 0) throw lib.error("effective ISA", rc);
            return buf.getString(0);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** Clock of the calling thread's core in Hz, from a dependent-add chain timed for about millis ms. */
    public double measureClockHz(int millis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_DOUBLE);
            int rc = (int) clock.invokeExact(millis, out);
            if (rc != 0) throw lib.error("clock measurement", rc);
            return out.get(ValueLayout.JAVA_DOUBLE, 0);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    void setProfiling(MemorySegment plan, boolean quantized, boolean on) {
        int rc;
        try {
            rc = (int) (quantized ? qplanSet : planSet).invokeExact(plan, on ? 1 : 0);
        } catch (Throwable t) {
            throw broken(t);
        }
        if (rc != 0) throw lib.error("set profiling", rc);
    }

    /** The steps of the plan's last profiled run; ops[i] names op i of the description the plan was built from. */
    List<StepTime> profile(MemorySegment plan, boolean quantized, List<Op> ops) {
        MethodHandle call = quantized ? qplanProfile : planProfile;
        try (Arena arena = Arena.ofConfined()) {
            int count;
            try {
                count = (int) call.invokeExact(plan, MemorySegment.NULL, 0L);
            } catch (Throwable t) {
                throw broken(t);
            }
            if (count < 0) throw lib.error("profile", count);
            MemorySegment buf = arena.allocate(STEP, Math.max(1, count));
            int again;
            try {
                again = (int) call.invokeExact(plan, buf, (long) count);
            } catch (Throwable t) {
                throw broken(t);
            }
            if (again < 0) throw lib.error("profile", again);
            return readSteps(buf, Math.min(count, again), ops);
        }
    }

    /** The first count {@link #STEP} records of buf; ops[i] names op i of the plan's description. */
    public static List<StepTime> readSteps(MemorySegment buf, int count, List<Op> ops) {
        List<StepTime> steps = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            MemorySegment s = buf.asSlice(i * STEP.byteSize(), STEP.byteSize());
            int op = s.get(I32, 0);
            if (op >= ops.size()) throw new IllegalStateException("native profile names op " + op + " of " + ops.size());
            byte[] name = s.asSlice(16, NAME_BYTES).toArray(ValueLayout.JAVA_BYTE);
            int len = 0;
            while (len < name.length && name[len] != 0) len++;
            steps.add(new StepTime(op, op < 0 ? null : ops.get(op), StepTime.Kind.of(s.get(I32, 4)),
                    new String(name, 0, len, StandardCharsets.UTF_8), s.get(ValueLayout.JAVA_DOUBLE, 8)));
        }
        return steps;
    }
}
