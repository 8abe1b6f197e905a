package adabm.backend.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** os.name / os.arch values (as JVMs report them) to the jar's platform folder, or a failure naming the platform. */
class NativePlatformTest {
    @Test void linuxX86VariantsMapToOneFolder() {
        assertEquals("linux-x86_64", NativePlatform.key("Linux", "amd64"));
        assertEquals("linux-x86_64", NativePlatform.key("Linux", "x86_64"));
        assertNull(NativePlatform.problem("Linux", "amd64"));
    }

    @Test void linuxArmVariantsMapToOneFolder() {
        assertEquals("linux-aarch64", NativePlatform.key("Linux", "aarch64"));
        assertEquals("linux-aarch64", NativePlatform.key("linux", "ARM64"));
        assertNull(NativePlatform.problem("Linux", "aarch64"));
    }

    @Test void otherPlatformsAreRefusedByName() {
        String[][] others = {{"Mac OS X", "aarch64"}, {"Mac OS X", "x86_64"}, {"Windows 11", "amd64"}, {"Linux", "riscv64"},
                {"Linux", "arm"}, {"Linux", "x86"}, {"", ""}};
        for (String[] p : others) {
            assertNull(NativePlatform.key(p[0], p[1]), p[0] + "/" + p[1]);
            String why = NativePlatform.problem(p[0], p[1]);
            assertTrue(why.startsWith("unsupported platform " + p[0] + " / " + p[1]), why);
            assertTrue(why.contains("linux-x86_64") && why.contains("linux-aarch64"), why);
        }
        assertNull(NativePlatform.key(null, null));
    }

    /** The names follow the platform: this machine's build, whichever of the two it is. */
    @Test void backendNamesFollowThePlatform() {
        boolean arm = "linux-aarch64".equals(NativePlatform.current());
        assertEquals(arm ? "acl" : "onednn", NativeCpu.floatBackendName());
        assertEquals(arm ? "acl-int8" : "onednn-int8", NativeCpu.int8BackendName());
        assertTrue(NativeCpu.isInt8Name("onednn-int8") && NativeCpu.isInt8Name("acl-int8"));
        assertFalse(NativeCpu.isInt8Name("onednn") || NativeCpu.isInt8Name("cuda-int8") || NativeCpu.isInt8Name(null));
    }
}
