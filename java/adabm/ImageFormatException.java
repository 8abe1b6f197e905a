package adabm;

/** An image file cannot be read or has an unsupported format or size: names the file. */
public class ImageFormatException extends AdabmException {
    public ImageFormatException(String message) { super(message); }
    public ImageFormatException(String message, Throwable cause) { super(message, cause); }
}
