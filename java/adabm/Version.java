package adabm;

/** The tool's name and version, as `adabm --version` prints it and artifacts record it. */
public final class Version {
    public static final String TEXT = "adabm 0.1.0";

    private Version() { }
}
