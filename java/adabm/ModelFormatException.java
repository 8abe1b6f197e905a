package adabm;

/** A model file (ONNX, PyTorch checkpoint, artifact) is malformed: names the file and the field or record. */
public class ModelFormatException extends AdabmException {
    public ModelFormatException(String message) { super(message); }
    public ModelFormatException(String message, Throwable cause) { super(message, cause); }
}
