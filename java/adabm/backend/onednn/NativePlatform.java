package adabm.backend.onednn;

import java.util.Locale;

/**
 * The platform key of the native build that fits a machine: the name of its folder in the jar
 * ({@code adabm/native/<key>/}) and in the extraction cache. Linux on x86-64 runs the oneDNN build, Linux on
 * aarch64 the ARM Compute Library build; nothing else has one.
 */
public final class NativePlatform {
    public static final String LINUX_X86_64 = "linux-x86_64";
    public static final String LINUX_AARCH64 = "linux-aarch64";

    private NativePlatform() { }

    /** The key for these os.name / os.arch values, or null when no native build fits them. */
    public static String key(String osName, String osArch) {
        String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        String arch = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux")) return null;
        return switch (arch) {
            case "amd64", "x86_64" -> LINUX_X86_64;
            case "aarch64", "arm64" -> LINUX_AARCH64;
            default -> null;
        };
    }

    /** Why no native build fits these values, or null when one does. */
    public static String problem(String osName, String osArch) {
        if (key(osName, osArch) != null) return null;
        return "unsupported platform " + osName + " / " + osArch + ": the native library is built for Linux on x86-64 ("
                + LINUX_X86_64 + ") and aarch64 (" + LINUX_AARCH64 + ")";
    }

    /** This JVM's key, or null; see {@link #currentProblem()}. */
    public static String current() { return key(System.getProperty("os.name"), System.getProperty("os.arch")); }

    /** Why no native build fits this JVM's platform, or null when one does. */
    public static String currentProblem() { return problem(System.getProperty("os.name"), System.getProperty("os.arch")); }
}
