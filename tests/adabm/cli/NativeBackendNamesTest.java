package adabm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.Upscaler;
import adabm.backend.Backend;
import adabm.backend.BackendUnavailableException;
import adabm.backend.Backends;
import adabm.backend.onednn.NativeCpu;
import adabm.backend.onednn.NativePlatform;
import adabm.perf.BenchRows;
import adabm.perf.Int8PlanRow;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One set of Java classes, two native builds: on x86-64 the names are onednn / onednn-int8, on aarch64 acl /
 * acl-int8; each default asks {@link NativeCpu}, and the other build's names are refused with a reason naming the
 * right one. Checked on the x86-64 build (the machine's own platform decides which names are "ours").
 */
class NativeBackendNamesTest {
    private static final String OURS = NativeCpu.floatBackendName();
    private static final String OTHER = OURS.equals("onednn") ? "acl" : "onednn";

    private static boolean nativeLoads() {
        return Backends.all().stream().filter(b -> b.name().equals(OURS)).findFirst().orElseThrow().availability().available();
    }

    @Test void bothNamesAreRegisteredAndOnlyThisMachinesBuildRuns() {
        List<String> names = Backends.all().stream().map(Backend::name).toList();
        assertTrue(names.containsAll(List.of("java", "onednn", "acl")), names.toString());
        assumeTrue(nativeLoads(), "native library not loaded");
        assertEquals(OURS, Backends.best().name());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.get(OTHER));
        assertTrue(e.getMessage().contains("backend '" + OTHER + "' is unavailable") && e.getMessage().contains("use '" + OURS + "'"), e.getMessage());
        assertNull(NativeCpu.unavailableReason(OURS));
        assertNull(NativeCpu.int8UnavailableReason(OURS + "-int8"));
        assertTrue(NativeCpu.int8UnavailableReason(OTHER + "-int8").contains("use '" + OURS + "-int8'"));
        assertTrue(NativeCpu.describeLibrary().contains("libadabm_native.so (" + OURS + ", " + NativePlatform.current() + ")"),
                NativeCpu.describeLibrary());
    }

    @Test void defaultsAreThisMachinesNames() {
        assertEquals(OURS + "-int8", Upscaler.INT8);
        assertEquals(List.of(OURS + "-fp32"), BenchRows.DEFAULT_FLOAT);
        assertEquals(List.of("java-fq", OURS + "-fp32", OURS + "-int8"), BenchRows.DEFAULT_QUANT);
        assertTrue(BenchRows.names().containsAll(List.of("onednn-fp32", "onednn-int8", "acl-fp32", "acl-int8")), BenchRows.names().toString());
        if (nativeLoads()) assertEquals(OURS, Upscaler.Options.defaults().backend());
    }

    @Test void theOtherBuildsRowsAndCommandsAreRefusedByName() {
        assumeTrue(nativeLoads(), "native library not loaded");
        BackendUnavailableException row = assertThrows(BackendUnavailableException.class, () -> new Int8PlanRow(OTHER + "-int8", null, 1));
        assertTrue(row.getMessage().startsWith(OTHER + "-int8 is unavailable"), row.getMessage());
        CliTest.Run r = CliTest.run("eval", "--model", "m.onnx", "--data", "d", "--quant", "q.json", "--backend", OTHER + "-int8");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(OTHER + "-int8 is unavailable") && r.err().contains("use '" + OURS + "-int8'"), r.err());
    }

    @Test void helpTextsNameTheAclBackends() {
        assertTrue(CliTest.run("eval", "--help").out().contains("acl-int8"));
        assertTrue(CliTest.run("upscale", "--help").out().contains("acl"));
        assertTrue(CliTest.run("bench", "--help").out().contains("acl-fp32"));
    }
}
