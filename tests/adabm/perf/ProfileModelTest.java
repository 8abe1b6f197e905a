package adabm.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adabm.AdabmException;
import adabm.TestGraphs;
import adabm.backend.onednn.StepTime;
import adabm.graph.Graph;
import adabm.graph.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The Java side of `adabm profile`, without native code: ISA detection, the peak table, rows from step times, JSON. */
class ProfileModelTest {
    static final String ZEN5 = "flags\t\t: fpu vme de pse tsc msr sse sse2 ssse3 fma cx16 sse4_1 sse4_2 avx f16c avx2 avx512f avx512dq "
            + "avx512ifma avx512cd avx512bw avx512vl avx_vnni avx512_bf16 avx512vbmi avx512_vnni avx512_bitalg";
    static final String HASWELL = "flags : fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi1 bmi2";
    static final String ICELAKE_SERVER = "flags : sse4_2 avx fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni";
    static final String GRAVITON2 = "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs";

    @Test void isaLevelsFromCpuinfoFlags() {
        assertEquals(List.of(IsaLevel.AVX2, IsaLevel.AVX2_VNNI, IsaLevel.AVX512_CORE, IsaLevel.AVX512_CORE_VNNI),
                IsaLevel.supported(IsaLevel.parseFlags(ZEN5)));
        assertEquals(List.of(IsaLevel.AVX2), IsaLevel.supported(IsaLevel.parseFlags(HASWELL)));
        assertEquals(List.of(IsaLevel.AVX2, IsaLevel.AVX512_CORE, IsaLevel.AVX512_CORE_VNNI), IsaLevel.supported(IsaLevel.parseFlags(ICELAKE_SERVER)));
        assertEquals(List.of(), IsaLevel.supported(IsaLevel.parseFlags("flags : fpu sse sse2")));
        String cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\n" + HASWELL + "\nbugs\t\t: sysret_ss_attrs\n\nprocessor\t: 1\n" + ZEN5 + "\n";
        assertEquals(IsaLevel.parseFlags(HASWELL), IsaLevel.flagsOfCpuinfo(cpuinfo), "the first processor's flags");
        assertEquals(Set.of(), IsaLevel.flagsOfCpuinfo("processor : 0\n"));
        // aarch64's /proc/cpuinfo says "Features"; its one level needs Advanced SIMD
        String arm = "processor\t: 0\nBogoMIPS\t: 243.75\n" + GRAVITON2 + "\nCPU implementer\t: 0x41\n";
        assertEquals(List.of(IsaLevel.AARCH64), IsaLevel.supported(IsaLevel.flagsOfCpuinfo(arm)));
        assertFalse(IsaLevel.supported(IsaLevel.parseFlags(ZEN5)).contains(IsaLevel.AARCH64));
        boolean thisIsArm = System.getProperty("os.arch").equals("aarch64");
        assertEquals(thisIsArm ? List.of(IsaLevel.AARCH64) : List.of(IsaLevel.AVX2, IsaLevel.AVX2_VNNI, IsaLevel.AVX512_CORE, IsaLevel.AVX512_CORE_VNNI),
                IsaLevel.ofThisArchitecture(), "the default levels are this architecture's");
        assertEquals(IsaLevel.AVX2_VNNI, IsaLevel.parse("avx2_vnni"));
        assertThrows(IllegalArgumentException.class, () -> IsaLevel.parse("AVX9"));
    }

    @Test void peakOpsPerCycleTable() {
        // fp32: 2 FMA pipes x lanes x 2; int8: MACs per cycle x 2 (see PeakOps)
        assertEquals(32, PeakOps.opsPerCycle(IsaLevel.AVX2, false));
        assertEquals(32, PeakOps.opsPerCycle(IsaLevel.AVX2_VNNI, false));
        assertEquals(64, PeakOps.opsPerCycle(IsaLevel.AVX512_CORE, false));
        assertEquals(64, PeakOps.opsPerCycle(IsaLevel.AVX512_CORE_VNNI, false));
        assertEquals(64, PeakOps.opsPerCycle(IsaLevel.AVX2, true));
        assertEquals(128, PeakOps.opsPerCycle(IsaLevel.AVX2_VNNI, true));
        assertEquals(128, PeakOps.opsPerCycle(IsaLevel.AVX512_CORE, true));
        assertEquals(256, PeakOps.opsPerCycle(IsaLevel.AVX512_CORE_VNNI, true));
        assertEquals(2 * 3e9 * 256, PeakOps.peakOpsPerSecond(IsaLevel.AVX512_CORE_VNNI, true, 2, 3e9));
        assertEquals(0, PeakOps.opsPerCycle(IsaLevel.AARCH64, true), "no peak claimed on aarch64");
        assertEquals(0, PeakOps.opsPerCycle(IsaLevel.AARCH64, false));
    }

    @Test void kernelIsaAgainstTheCap() {
        assertTrue(KernelIsa.withinCap("brg_conv_fwd:avx2", IsaLevel.AVX2));
        assertTrue(KernelIsa.withinCap("brg_conv_fwd:avx2", IsaLevel.AVX512_CORE));
        assertFalse(KernelIsa.withinCap("brg_conv_fwd:avx512_core", IsaLevel.AVX2));
        assertFalse(KernelIsa.withinCap("brg_conv_fwd:avx512_core_vnni", IsaLevel.AVX512_CORE));
        assertFalse(KernelIsa.withinCap("brg_conv_fwd:avx2_vnni", IsaLevel.AVX512_CORE_VNNI), "AVX2-VNNI is not part of the AVX-512 levels");
        assertTrue(KernelIsa.withinCap("gemm:jit", IsaLevel.AVX2), "no ISA named: nothing to judge");
    }

    /** A fake plan run: one step per op of the graph in order, framed by reorders, conv k taking (k+1) ms x the run number. */
    private static List<StepTime> fakeRun(Graph g, int run) {
        List<StepTime> steps = new ArrayList<>();
        steps.add(new StepTime(-1, null, StepTime.Kind.REORDER, "", 0.5));
        List<Op> ops = g.ops();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            boolean conv = op instanceof Op.Conv2d;
            steps.add(new StepTime(i, op, conv ? StepTime.Kind.INT8_CONV : StepTime.Kind.FLOAT_OP, conv ? "brg_conv_fwd:avx2" : "",
                    conv ? (i + 1) * run : 0.25));
        }
        steps.add(new StepTime(-1, null, StepTime.Kind.REORDER, "", 0.5));
        return steps;
    }

    @Test void rowsFromStepTimes() {
        Graph g = TestGraphs.tinyEdsr(8, 1, 2, 1);
        AtomicInteger runs = new AtomicInteger();
        LayerProfiler.Machine m = new LayerProfiler.Machine(IsaLevel.AVX2, 2, 2e9);
        List<LayerProfile> rows = LayerProfiler.profile(() -> fakeRun(g, runs.incrementAndGet()), 3, g, 10, 12, m);
        assertEquals(4, runs.get(), "one warm-up run and three timed ones");
        assertEquals(g.ops().size() + 2, rows.size());
        assertEquals("input reorder", rows.getFirst().name());
        assertEquals("output reorder", rows.getLast().name());
        assertEquals(g.macs(10, 12), rows.stream().mapToLong(LayerProfile::macs).sum());
        LayerProfile head = rows.stream().filter(r -> r.name().equals("head.0")).findFirst().orElseThrow();
        int headIndex = g.ops().indexOf(g.convs().getFirst());
        assertEquals((headIndex + 1) * 3.0, head.ms(), 1e-12, "median of the timed runs 2, 3, 4");
        long macs = 3L * 8 * 9 * 10 * 12;
        assertEquals(macs, head.macs());
        assertEquals("3x3 3->8", head.geometry());
        assertEquals(2.0 * macs / (head.ms() * 1e6), head.gops(), 1e-9);
        assertEquals(2 * 2e9 * 64, head.peakOpsPerS(), "int8 on AVX2: 64 ops/cycle, 2 cores, 2 GHz");
        assertEquals(head.gops() * 1e9 / (2 * 2e9 * 64), head.peakShare(), 1e-12);
        LayerProfile shift = rows.get(1);
        assertEquals("sub_mean", shift.name());
        assertFalse(shift.conv());
        assertTrue(Double.isNaN(shift.peakShare()));
    }

    @Test void groupShareIsTimeAtPeakOverTime() {
        LayerProfile a = new LayerProfile(1, "a", "fp32 conv", "k", "3x3 4->4", 2.0, 1_000_000, 1e12);
        LayerProfile b = new LayerProfile(2, "b", "int8 conv", "k", "3x3 4->4", 1.0, 1_000_000, 4e12);
        LayerProfile c = new LayerProfile(3, "c", "fp32 conv", "k", "1x1 4->8", 5.0, 9_000_000, 1e12);
        PrecisionProfile run = new PrecisionProfile("int8", List.of(a, b, c));
        assertEquals("1x1 4->8", ProfileReport.heaviestGeometry(run));
        ProfileReport.Group g = ProfileReport.group(run, "3x3 4->4");
        assertEquals(2, g.convs());
        assertEquals(3.0, g.ms(), 1e-12);
        // at peak: a 2e6 ops / 1e12 = 2 us, b 2e6 / 4e12 = 0.5 us; 2.5 us of 3 ms
        assertEquals(2.5e-3 / 3.0, g.peakShare(), 1e-12);
        assertEquals(4e6 / 3e-3 / 1e9, g.gops(), 1e-9);
    }

    static IsaProfile sample(IsaLevel isa) {
        List<LayerProfile> rows = List.of(new LayerProfile(-1, "input reorder", "reorder", "", "", 0.0625, 0, 0),
                new LayerProfile(0, "head", "fp32 conv", "brg_conv_fwd:avx2", "3x3 3->64", 1.0 / 3, 123456789L, 1.04e11),
                new LayerProfile(1, "quantize for body.0", "quantize", "", "", 0.01, 0, 0));
        return new IsaProfile(isa, isa.onednnName(), 3.2551e9, 1, 5, "144x144", List.of(new PrecisionProfile("float32", rows),
                new PrecisionProfile("int8", rows.subList(1, 3))));
    }

    /** The aarch64 level's report: no cap to check, no peak claimed ("-" instead of a share), the CPU features shown. */
    @Test void aarch64ReportClaimsNoPeak() {
        List<LayerProfile> rows = List.of(new LayerProfile(0, "head", "int8 conv", "acl:NEGEMMLowpMatrixMultiplyCore", "3x3 3->64",
                0.5, 123456789L, 0));
        IsaProfile p = new IsaProfile(IsaLevel.AARCH64, "aarch64+asimd+dotprod", 2.5e9, 1, 5, "64x64",
                List.of(new PrecisionProfile("int8", rows)));
        assertTrue(p.capHeld());
        assertEquals(List.of(), p.kernelsAboveCap());
        String table = ProfileReport.table(p), summary = ProfileReport.summary(List.of(p));
        assertTrue(table.contains("ARM Compute Library build, CPU aarch64+asimd+dotprod") && table.contains("peak not known"), table);
        assertFalse(table.contains("%\n") || summary.contains("%\n"), "no share of peak on aarch64:\n" + table + summary);
        assertTrue(ProfileReport.table(sample(IsaLevel.AVX2)).contains("%\n"), "x86 rows keep their share of peak");
    }

    @Test void childJsonRoundTrips() {
        IsaProfile p = sample(IsaLevel.AVX2_VNNI);
        String line = ProfileJson.line(p);
        assertFalse(line.contains("\n"), "one line on the child's stdout");
        assertEquals(p, ProfileJson.parse(line));
        assertTrue(p.capHeld());
        assertEquals(List.of(), p.kernelsAboveCap());
        IsaProfile other = new IsaProfile(IsaLevel.AVX2, "avx512_core", 3e9, 1, 5, "1x1",
                List.of(new PrecisionProfile("float32", List.of(new LayerProfile(0, "c", "fp32 conv", "brg_conv_fwd:avx512_core", "1x1 1->1", 1, 1, 1)))));
        assertFalse(other.capHeld());
        assertEquals(List.of("brg_conv_fwd:avx512_core"), other.kernelsAboveCap());
    }

    @Test void childOutputParsing() {
        IsaProfile p = sample(IsaLevel.AVX512_CORE);
        String out = "some library banner\n" + ProfileJson.line(p) + "\n";
        assertEquals(p, IsaProfileLauncher.parseOutput(out, IsaLevel.AVX512_CORE));
        assertThrows(AdabmException.class, () -> IsaProfileLauncher.parseOutput(out, IsaLevel.AVX2), "a profile of another level");
        assertThrows(AdabmException.class, () -> IsaProfileLauncher.parseOutput("no json here\n", IsaLevel.AVX2));
        assertThrows(IllegalArgumentException.class, () -> IsaProfileLauncher.parseOutput("{\"isa\": \"AVX2\"}\n", IsaLevel.AVX2));
        assertThrows(IllegalArgumentException.class, () -> IsaProfileLauncher.parseOutput("{broken\n", IsaLevel.AVX2));
    }

    @Test void childCommandIsThisJvm() {
        List<String> cmd = IsaProfileLauncher.command(List.of("--model", "m.onnx"));
        assertTrue(cmd.getFirst().endsWith("java"), cmd.toString());
        int main = cmd.indexOf("adabm.cli.Main");
        assertEquals(List.of("adabm.cli.Main", IsaProfileLauncher.WORKER_COMMAND, "--model", "m.onnx"), cmd.subList(main, cmd.size()));
        assertEquals(System.getProperty("java.class.path"), cmd.get(main - 1));
    }
}
