package adabm;

/** Tensor shapes do not fit together (graph validation or a run-time input): names the node or tensor. */
public class ShapeException extends AdabmException {
    public ShapeException(String message) { super(message); }
}
