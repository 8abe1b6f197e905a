package adabm.io.image;

/** Width and height of an image, as read from its header. */
public record ImageSize(int width, int height) {
    public long pixels() { return (long) width * height; }

    @Override public String toString() { return width + "x" + height; }
}
