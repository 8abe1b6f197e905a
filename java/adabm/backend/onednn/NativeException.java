package adabm.backend.onednn;

import adabm.AdabmException;

/** A failure reported by libadabm_native: its negative ADABM_E_* code and the native message. */
public final class NativeException extends AdabmException {
    public static final int INVALID_ARGUMENT = -1, BAD_PLAN = -2, SHAPE = -3, ONEDNN = -4, OUT_OF_MEMORY = -5, INTERNAL = -6;

    private final int code;

    public NativeException(String operation, int code, String nativeMessage) {
        super(operation + " failed (" + codeName(code) + "): " + nativeMessage);
        this.code = code;
    }

    public int code() { return code; }

    static String codeName(int code) {
        return switch (code) {
            case INVALID_ARGUMENT -> "invalid argument";
            case BAD_PLAN -> "bad plan description";
            case SHAPE -> "shape";
            case ONEDNN -> "oneDNN";
            case OUT_OF_MEMORY -> "out of memory";
            case INTERNAL -> "internal";
            default -> "code " + code;
        };
    }
}
