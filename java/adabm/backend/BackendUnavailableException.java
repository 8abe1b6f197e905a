package adabm.backend;

import adabm.AdabmException;

/** A backend was requested that does not exist or cannot run on this machine; the message says why. */
public class BackendUnavailableException extends AdabmException {
    public BackendUnavailableException(String message) { super(message); }
}
