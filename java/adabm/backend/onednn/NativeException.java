package adabm.backend.onednn;

import adabm.AdabmException;

/** A failure reported by libadabm_native: its negative ADABM_E_* code and the native message. */
public final class NativeException extends AdabmException {
    public static final int INVALID_ARGUMENT = -1, BAD_PLAN = -2, SHAPE = -3, ONEDNN = -4, OUT_OF_MEMORY = -5, INTERNAL = -6;
    /** Codes of libadabm_cuda (adabm_gpu.h); the cuda backend maps NO_DEVICE and UNSUPPORTED to their own types. */
    public static final int CUDA = -7, NO_DEVICE = -8, UNSUPPORTED = -9;

    private final int code;

    public NativeException(String operation, int code, String nativeMessage) {
        super(operation + " failed (" + codeName(code) + "): " + nativeMessage);
        this.code = code;
    }

    public int code() { return code; }

    public static String codeName(int code) {
        return switch (code) {
            case INVALID_ARGUMENT -> "invalid argument";
            case BAD_PLAN -> "bad plan description";
            case SHAPE -> "shape";
            case ONEDNN -> "oneDNN";
            case OUT_OF_MEMORY -> "out of memory";
            case INTERNAL -> "internal";
            case CUDA -> "CUDA";
            case NO_DEVICE -> "no CUDA device";
            case UNSUPPORTED -> "unsupported";
            default -> "code " + code;
        };
    }
}
