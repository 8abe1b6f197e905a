package adabm.backend.onednn;

import adabm.backend.BackendUnavailableException;
import adabm.backend.Backends;

/** Run in a child JVM by {@link OneDnnPlanLifecycleTest}: prints what a JVM without the native library sees. */
public final class AvailabilityProbe {
    private AvailabilityProbe() { }

    public static void main(String[] args) {
        System.out.println("available=" + new OneDnnBackend().availability().available());
        System.out.println("reason=" + new OneDnnBackend().availability().reason());
        try {
            Backends.get("onednn");
            System.out.println("get=returned");
        } catch (BackendUnavailableException e) {
            System.out.println("get=unavailable");
        }
        System.out.println("best=" + Backends.best().name());
    }
}
