package adabm.perf;

import adabm.AdabmException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The ISA levels `adabm profile` caps oneDNN at, lowest first: the ONEDNN_MAX_CPU_ISA value, oneDNN's name of the
 * effective ISA under that cap, and the /proc/cpuinfo flags the CPU needs for it. oneDNN's ISAs are only partially
 * ordered: AVX2_VNNI (the VEX-encoded VNNI of Alder Lake and Zen 5) is not part of the AVX-512 levels.
 * AARCH64 is the one level of the aarch64 library (the ARM Compute Library picks its kernels itself, nothing caps
 * it): a profile there runs as it is, and its peak is not known to this table.
 */
public enum IsaLevel {
    AVX2("AVX2", "avx2", "avx2", "fma"),
    AVX2_VNNI("AVX2_VNNI", "avx2_vnni", "avx2", "fma", "avx_vnni"),
    AVX512_CORE("AVX512_CORE", "avx512_core", "avx512f", "avx512bw", "avx512vl", "avx512dq"),
    AVX512_CORE_VNNI("AVX512_CORE_VNNI", "avx512_core_vnni", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni"),
    AARCH64("AARCH64", "aarch64", "asimd");

    private final String envValue;
    private final String onednnName;
    private final List<String> flags;

    IsaLevel(String envValue, String onednnName, String... flags) {
        this.envValue = envValue;
        this.onednnName = onednnName;
        this.flags = List.of(flags);
    }

    /** The value of ONEDNN_MAX_CPU_ISA that caps oneDNN at this level. */
    public String envValue() { return envValue; }

    /** What oneDNN reports as its effective ISA under the cap on a CPU that has the level. */
    public String onednnName() { return onednnName; }

    public List<String> requiredFlags() { return flags; }

    /** Whether the AVX-512 registers (16 float / 64 byte lanes) are in use. */
    public boolean wide() { return this == AVX512_CORE || this == AVX512_CORE_VNNI; }

    /** Whether the int8 dot product instruction vpdpbusd is in use. */
    public boolean vnni() { return this == AVX2_VNNI || this == AVX512_CORE_VNNI; }

    /** The aarch64 library's level: no cap, ISA names and peaks of its own. */
    public boolean aarch64() { return this == AARCH64; }

    public boolean supportedBy(Set<String> cpuFlags) { return cpuFlags.containsAll(flags); }

    /** The levels of this machine's architecture (what `adabm profile` runs without --isa). */
    public static List<IsaLevel> ofThisArchitecture() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        boolean arm = arch.equals("aarch64") || arch.equals("arm64");
        return Arrays.stream(values()).filter(l -> l.aarch64() == arm).toList();
    }

    /** The level of an ONEDNN_MAX_CPU_ISA value or enum name, case-insensitive. */
    public static IsaLevel parse(String text) {
        for (IsaLevel l : values())
            if (l.envValue.equalsIgnoreCase(text.trim()) || l.name().equalsIgnoreCase(text.trim())) return l;
        throw new IllegalArgumentException("unknown ISA level '" + text + "'; known: " + Arrays.toString(values()));
    }

    /** The flags of a /proc/cpuinfo "flags : a b c" line (or of the bare list). */
    public static Set<String> parseFlags(String line) {
        String list = line.contains(":") ? line.substring(line.indexOf(':') + 1) : line;
        Set<String> out = new HashSet<>();
        for (String f : list.trim().split("\\s+")) if (!f.isEmpty()) out.add(f.toLowerCase(Locale.ROOT));
        return out;
    }

    /** The flags of the first processor in a /proc/cpuinfo text ("flags" on x86, "Features" on ARM); empty if none. */
    public static Set<String> flagsOfCpuinfo(String cpuinfo) {
        for (String line : cpuinfo.split("\n"))
            if (line.startsWith("flags") || line.startsWith("Features")) return parseFlags(line);
        return Set.of();
    }

    /** This machine's flags, from /proc/cpuinfo. */
    public static Set<String> cpuFlags() {
        try {
            return flagsOfCpuinfo(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException e) {
            throw new AdabmException("cannot read /proc/cpuinfo to find the CPU's ISA levels: " + e.getMessage());
        }
    }

    /** The levels a CPU with these flags has, lowest first. */
    public static List<IsaLevel> supported(Set<String> cpuFlags) {
        List<IsaLevel> out = new ArrayList<>();
        for (IsaLevel l : values()) if (l.supportedBy(cpuFlags)) out.add(l);
        return out;
    }
}
