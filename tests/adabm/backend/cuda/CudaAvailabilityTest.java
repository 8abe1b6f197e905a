package adabm.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adabm.AdabmException;
import adabm.TestGraphs;
import adabm.Upscaler;
import adabm.backend.Backend;
import adabm.backend.BackendOptions;
import adabm.backend.BackendUnavailableException;
import adabm.backend.Backends;
import adabm.backend.Plan;
import adabm.backend.onednn.NativeException;
import adabm.backend.onednn.PlanEncoder;
import adabm.graph.Graph;
import adabm.quant.QuantMode;
import adabm.quant.QuantModel;
import adabm.quant.QuantSpec;
import adabm.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cuda backend where no GPU can run it (this build machine: no driver; or no nvcc, so no library): it reports
 * unavailable with the reason, every entry point refuses with a typed exception, and the other backends are
 * untouched. On a machine with a GPU the "unavailable" tests skip and {@link CudaPlanGpuTest} runs instead.
 */
class CudaAvailabilityTest {
    private static boolean gpu() { return CudaNative.unavailableReason() == null; }

    private static void assumeNoGpu() { assumeFalse(gpu(), "a GPU is available here: " + CudaNative.device()); }

    @Test void registeredBesideTheOthersWhichStillWork() {
        List<String> names = Backends.all().stream().map(Backend::name).toList();
        assertTrue(names.containsAll(List.of("java", "onednn", "cuda")), names.toString());
        Backend.Availability onednn = Backends.all().stream().filter(b -> b.name().equals("onednn")).findFirst().orElseThrow().availability();
        assertEquals(onednn.available() ? "onednn" : "java", Backends.best().name(), "best() never picks cuda");
        Graph g = TestGraphs.tinyEdsr(4, 1, 2, 1);
        Tensor x = TestGraphs.image(6, 5, 2);
        for (String name : onednn.available() ? List.of("java", "onednn") : List.of("java"))
            try (Plan p = Backends.get(name).compile(g, new BackendOptions(1))) {
                Tensor y = p.run(x);
                assertEquals(List.of(1, 3, 12, 10), List.of(y.n, y.c, y.h, y.w), name);
            }
    }

    @Test void unavailableWithTheReasonAndNoCrash() {
        assumeNoGpu();
        Backend.Availability a = new CudaBackend().availability();
        assertFalse(a.available());
        assertFalse(a.reason().isBlank());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.get("cuda"));
        assertTrue(e.getMessage().contains("'cuda'") && e.getMessage().contains(a.reason()), e.getMessage());
        Graph g = TestGraphs.tinyEdsr(4, 1, 2, 1);
        e = assertThrows(BackendUnavailableException.class, () -> new CudaBackend().compile(g, BackendOptions.defaults()));
        assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
        QuantModel m = QuantModel.create(g, new QuantSpec(4, 4, QuantMode.FQ));   // refused before calibration is looked at
        e = assertThrows(BackendUnavailableException.class, () -> new CudaInt8Plan(m));
        assertTrue(e.getMessage().startsWith("cuda-int8 is unavailable: ") && e.getMessage().contains(a.reason()), e.getMessage());
        assertEquals(a.reason(), CudaInt8Plan.unavailableReason());
        e = assertThrows(BackendUnavailableException.class,
                () -> Upscaler.create(m, Upscaler.Options.defaults().withBackend(Upscaler.CUDA_INT8).withWorkers(1).withTile(24)));
        assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
    }

    @Test void perConvKernelsAreRefusedAsWholePlansOnly() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> new CudaBackend().convKernels(1));
        assertTrue(e.getMessage().contains("whole plans only"), e.getMessage());
    }

    /** The structs of adabm_gpu.h as the x86-64 C ABI lays them out (doubles and pointers 8-aligned). */
    @Test void structLayoutsMatchTheHeader() {
        assertEquals(40, CudaNative.BITMAP.byteSize());
        assertEquals(List.of(0L, 8L, 16L, 24L, 32L), List.of("enabled", "tau_low", "tau_high", "bits_by_offset", "bits_len").stream()
                .map(f -> CudaNative.offset(CudaNative.BITMAP, f)).toList());
        assertEquals(16, CudaNative.IMAGE_INFO.byteSize());
        assertEquals(8, CudaNative.offset(CudaNative.IMAGE_INFO, "offset"));
    }

    /** With the library built but no device: the raw probe says why, and a plan create fails with a code and text. */
    @Test void builtLibraryWithoutADeviceFailsWithCodeAndMessage() {
        CudaNative lib = CudaNative.instance();
        assumeTrue(lib != null, "libadabm_cuda.so not loaded: " + CudaNative.loadFailure());
        assumeNoGpu();
        CudaNative.Probe p = lib.probe();
        assertFalse(p.usable());
        assertFalse(p.text().isBlank());
        assertTrue(CudaNative.unavailableReason().contains(p.text()), CudaNative.unavailableReason());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment good = PlanEncoder.encode(TestGraphs.tinyEdsr(4, 1, 2, 3), arena);
            MemorySegment junk = arena.allocateFrom(ValueLayout.JAVA_INT, 1, 2, 3, 4);
            for (MemorySegment desc : List.of(good, junk)) {
                AdabmException e = assertThrows(AdabmException.class, () -> lib.destroy(lib.create(desc, 0)));
                String native_ = lib.lastError();
                assertFalse(native_.isBlank() || native_.startsWith("(no message"), native_);
                assertTrue(e.getMessage().contains("gpu plan create failed") && e.getMessage().contains(native_), e.getMessage());
                if (e instanceof NativeException ne) assertTrue(ne.code() < 0 && ne.code() >= NativeException.UNSUPPORTED, e.getMessage());
                else assertInstanceOf(BackendUnavailableException.class, e, "no device: ADABM_E_NO_DEVICE, or a bad plan");
            }
        }
    }

    /** A JVM whose native folder holds nothing: the reason names the missing library; onednn is gone, java remains. */
    @Test void missingLibraryIsReportedNotThrown() throws Exception {
        Path empty = Files.createTempDirectory("adabm-no-native");
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    "-Dadabm.native.dir=" + empty, CudaAvailabilityProbe.class.getName()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), out);
            assertTrue(out.contains("available=false"), out);
            assertTrue(out.contains("reason=libadabm_cuda.so not built"), out);
            assertTrue(out.contains("get=unavailable: backend 'cuda' is unavailable: libadabm_cuda.so not built"), out);
            assertTrue(out.contains("best=java"), out);
        } finally {
            Files.delete(empty);
        }
    }
}
