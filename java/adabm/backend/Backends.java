package adabm.backend;

import adabm.backend.onednn.NativeCpu;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Looks up backends registered in META-INF/services/adabm.backend.Backend. */
public final class Backends {
    private Backends() { }

    public static List<Backend> all() {
        List<Backend> list = new ArrayList<>();
        for (Backend b : ServiceLoader.load(Backend.class, Backends.class.getClassLoader())) list.add(b);
        return list;
    }

    /** The named backend, or a {@link BackendUnavailableException} saying which exist or why it cannot run here. */
    public static Backend get(String name) {
        List<String> names = new ArrayList<>();
        for (Backend b : all()) {
            if (b.name().equalsIgnoreCase(name)) {
                Backend.Availability a = b.availability();
                if (!a.available()) throw new BackendUnavailableException("backend '" + b.name() + "' is unavailable: " + a.reason());
                return b;
            }
            names.add(b.name());
        }
        throw new BackendUnavailableException("no backend named '" + name + "'; known backends: " + names);
    }

    /** The fastest available backend: the native CPU one (onednn on x86-64, acl on aarch64) when it loads, else the Java reference. */
    public static Backend best() {
        for (String name : List.of(NativeCpu.floatBackendName(), "java"))
            for (Backend b : all())
                if (b.name().equals(name) && b.availability().available()) return b;
        return get("java");
    }
}
