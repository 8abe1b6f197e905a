package adabm.perf;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the ISA out of a oneDNN implementation name ("brg_conv_fwd:avx512_core_vnni", "jit_uni:avx2") and checks it
 * against a cap. oneDNN's ISAs are bit sets (dnnl_cpu_isa_t in dnnl_types.h); an ISA is within a cap when its bits
 * are a subset of the cap's.
 */
final class KernelIsa {
    private KernelIsa() { }

    /** dnnl_cpu_isa_t values (oneDNN 3.x). */
    private static final Map<String, Integer> BITS = Map.ofEntries(
            Map.entry("sse41", 0x1), Map.entry("avx", 0x3), Map.entry("avx2", 0x7), Map.entry("avx2_vnni", 0xf),
            Map.entry("avx2_vnni_2", 0x1f), Map.entry("avx512_core", 0x27), Map.entry("avx512_core_vnni", 0x67),
            Map.entry("avx512_core_bf16", 0xe7), Map.entry("avx512_core_fp16", 0x1ef), Map.entry("avx10_1_512", 0x1ef),
            Map.entry("avx512_core_amx", 0xfef), Map.entry("avx10_1_512_amx", 0xfef));
    private static final Pattern ISA = Pattern.compile("(sse41|avx[a-z0-9_]*)");

    static int bits(IsaLevel level) { return BITS.get(level.onednnName()); }

    /** Whether every ISA the kernel name mentions is within the cap (names without a known ISA pass). */
    static boolean withinCap(String kernel, IsaLevel cap) {
        Matcher m = ISA.matcher(kernel);
        int capBits = bits(cap);
        while (m.find()) {
            Integer b = BITS.get(m.group(1));
            if (b != null && (b & ~capBits) != 0) return false;
        }
        return true;
    }
}
