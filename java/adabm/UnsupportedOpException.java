package adabm;

/** A graph uses an operator or attribute value the engine does not implement: names the node. */
public class UnsupportedOpException extends ModelFormatException {
    public UnsupportedOpException(String message) { super(message); }
}
