package adabm.backend.cuda;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Comparator;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * Runs the cuda backend's tests where there is a JRE but no Maven and no JUnit launcher (the GPU machine, see
 * tests/gpu/java-check.sh): every {@link Test} method of the given classes (default: this package's two test classes)
 * on a fresh instance, in name order; a failed assumption counts as skipped. Prints one line per test and exits 1 when
 * any test failed. These tests use no JUnit extensions (no @TempDir, no @BeforeEach), so nothing else is needed.
 * With the single argument --probe: prints the device (or why there is none) and exits 0 when plans can run here.
 */
public final class DeviceTestMain {
    private DeviceTestMain() { }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--probe")) {   // exit 0 when GPU plans can run here
            System.out.println("device: " + CudaNative.device());
            System.exit(CudaNative.unavailableReason() == null ? 0 : 2);
        }
        String[] classes = args.length > 0 ? args : new String[] {CudaAvailabilityTest.class.getName(), CudaPlanGpuTest.class.getName()};
        int passed = 0, skipped = 0, failed = 0;
        System.out.println("device: " + CudaNative.device());
        for (String name : classes) {
            Class<?> c = Class.forName(name);
            Method[] methods = c.getDeclaredMethods();
            Arrays.sort(methods, Comparator.comparing(Method::getName));
            for (Method m : methods) {
                if (!m.isAnnotationPresent(Test.class)) continue;
                String id = c.getSimpleName() + "." + m.getName();
                long t0 = System.nanoTime();
                try {
                    Constructor<?> k = c.getDeclaredConstructor();
                    k.setAccessible(true);
                    m.setAccessible(true);
                    m.invoke(k.newInstance());
                    passed++;
                    System.out.printf("PASS %s (%.0f ms)%n", id, (System.nanoTime() - t0) / 1e6);
                } catch (InvocationTargetException e) {
                    Throwable t = e.getCause();
                    if (t instanceof TestAbortedException) {
                        skipped++;
                        System.out.println("SKIP " + id + ": " + t.getMessage());
                    } else {
                        failed++;
                        System.out.println("FAIL " + id + ": " + t);
                        t.printStackTrace(System.out);
                    }
                }
            }
        }
        System.out.printf("%d passed, %d skipped, %d failed%n", passed, skipped, failed);
        System.exit(failed > 0 ? 1 : 0);
    }
}
