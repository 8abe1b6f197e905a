package adabm;

/** Base of every error the engine reports on purpose: bad files, unsupported ops, bad shapes, native failures. */
public class AdabmException extends RuntimeException {
    public AdabmException(String message) { super(message); }
    public AdabmException(String message, Throwable cause) { super(message, cause); }
}
