package adabm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared (models, data sets, goldens). Surefire passes -Dadabm.shared; tests needing it skip without it. */
public final class TestData {
    private TestData() { }

    public static Path shared() {
        String p = System.getProperty("adabm.shared", "../shared");
        Path dir = Path.of(p).toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(dir.resolve("models")), "../shared is not present at " + dir);
        return dir;
    }

    public static Path model(String file) { return shared().resolve("models").resolve(file); }

    public static Path dataset(String name) { return shared().resolve("datasets").resolve(name); }

    public static Path golden(String file) { return shared().resolve("models/golden").resolve(file); }
}
