package adabm.eval;

import adabm.AdabmException;

/** A data set folder is missing files or holds images of the wrong size: names the folder or file. */
public class DatasetException extends AdabmException {
    public DatasetException(String message) { super(message); }
}
