package adabm.perf;

/**
 * The peak a profile's convs are measured against: peak ops/s = cores x clock x ops/cycle, with cores = the threads
 * the run used, clock = the measured core clock (a dependent-add chain, native/src/cpu_facts.h) and ops/cycle per
 * core = the throughput of the ISA's multiply-accumulate instruction (1 MAC = 2 ops). It assumes two vector
 * multiply/FMA pipes per core, as on Zen 4/5 and on Intel cores since Haswell (server parts with two 512-bit FMA
 * units). The peak counts instructions, not useful work: the int8 kernels' exact border and 8-bit weight epilogues,
 * and the code split that saturation-prone convs need without VNNI (twice the instructions), count against it.
 */
public final class PeakOps {
    private PeakOps() { }

    /** Assumed vector multiply/FMA instructions issued per cycle and core. */
    public static final int MULTIPLY_PIPES = 2;

    /**
     * Ops per cycle and core for convs of a precision (int8 or fp32) on an ISA level.
     * <ul>
     * <li>fp32, AVX2 (and AVX2-VNNI, which adds nothing for floats): vfmadd231ps ymm = 8 lanes x 2 ops (mul+add);
     *     2 pipes: 2 x 8 x 2 = 32.</li>
     * <li>fp32, AVX-512 (and AVX-512-VNNI): zmm = 16 lanes: 2 x 16 x 2 = 64.</li>
     * <li>int8 without VNNI (AVX2, AVX-512): vpmaddubsw (u8 x s8 pairs -> s16; 32 MACs per ymm, 64 per zmm), then vpmaddwd
     *     by ones (s16 pairs -> s32) and vpaddd: two multiply-pipe instructions per vector of MACs, so one vector of MACs
     *     per cycle: 32 MACs = 64 ops (AVX2), 64 MACs = 128 ops (AVX-512).</li>
     * <li>int8 with VNNI: vpdpbusd does the 4-way u8 x s8 dot product and the s32 accumulate in one instruction: 32 MACs
     *     per ymm (AVX2-VNNI), 64 per zmm (AVX-512-VNNI); 2 pipes: 2 x 32 x 2 = 128 and 2 x 64 x 2 = 256 ops.</li>
     * </ul>
     */
    public static int opsPerCycle(IsaLevel isa, boolean int8) {
        if (isa.aarch64()) return 0;                       // not known here: the cores' SIMD pipes differ (N1, V1, V2)
        int lanes32 = isa.wide() ? 16 : 8;                 // 32-bit lanes of a vector register
        if (!int8) return MULTIPLY_PIPES * lanes32 * 2;
        int macsPerInstruction = lanes32 * 4;              // 4 byte products per 32-bit lane
        int instructionsPerCycle = isa.vnni() ? MULTIPLY_PIPES : MULTIPLY_PIPES / 2;   // no VNNI: two instructions per vector
        return instructionsPerCycle * macsPerInstruction * 2;
    }

    /** Peak ops/s of `cores` cores at clockHz. */
    public static double peakOpsPerSecond(IsaLevel isa, boolean int8, int cores, double clockHz) {
        return cores * clockHz * opsPerCycle(isa, int8);
    }
}
