package adabm.backend.onednn;

/**
 * The names of this machine's native CPU backend. One set of Java classes drives libadabm_native, which is built on
 * oneDNN for x86-64 ("onednn", integer plans "onednn-int8") and on the ARM Compute Library for aarch64 ("acl",
 * "acl-int8"). Every default that means "the native CPU backend" asks here, so each machine gets its own name.
 */
public final class NativeCpu {
    public static final String ONEDNN = "onednn";
    public static final String ACL = "acl";
    private static final String INT8 = "-int8";

    private NativeCpu() { }

    /** The float backend of this platform's native build: "acl" on aarch64, else "onednn". Loads nothing. */
    public static String floatBackendName() {
        return NativePlatform.LINUX_AARCH64.equals(NativePlatform.current()) ? ACL : ONEDNN;
    }

    /** The integer-plan backend of this platform's native build: "acl-int8" on aarch64, else "onednn-int8". */
    public static String int8BackendName() { return floatBackendName() + INT8; }

    /** Whether the name is one of the native integer-plan backends (of either build). */
    public static boolean isInt8Name(String name) { return (ONEDNN + INT8).equals(name) || (ACL + INT8).equals(name); }

    /** Why the named native float backend ("onednn", "acl") cannot run here, or null when it can. */
    public static String unavailableReason(String floatName) { return reason(floatName, ""); }

    /** Why the named integer-plan backend ("onednn-int8", "acl-int8") cannot run here, or null when it can. */
    public static String int8UnavailableReason(String int8Name) {
        if (!isInt8Name(int8Name)) throw new IllegalArgumentException(int8Name + " is not a native integer-plan backend");
        String reason = reason(int8Name.substring(0, int8Name.length() - INT8.length()), INT8);
        return reason != null ? reason : Int8Plan.unavailableReason();
    }

    /** The library's failure, or a mismatch between the build asked for and the one loaded (suffix: "" or "-int8"). */
    private static String reason(String build, String suffix) {
        String failure = NativeLibrary.failure();
        if (failure != null) return failure;
        NativeLibrary lib = NativeLibrary.instance();
        if (lib.backend.equals(build)) return null;
        return "this machine's native library (" + lib.path + ") is the " + lib.backend + " build; use '" + lib.backend + suffix + "'";
    }

    /** Which native library this JVM loaded: its path and build ("onednn" or "acl"), or why none loaded. */
    public static String describeLibrary() {
        String failure = NativeLibrary.failure();
        if (failure != null) return "not loaded: " + failure;
        NativeLibrary lib = NativeLibrary.instance();
        return lib.path + " (" + lib.backend + ", " + NativePlatform.current() + ")";
    }
}
