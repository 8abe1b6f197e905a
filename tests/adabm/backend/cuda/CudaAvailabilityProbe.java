package adabm.backend.cuda;

import adabm.backend.Backend;
import adabm.backend.BackendUnavailableException;
import adabm.backend.Backends;

/** Run in a child JVM by {@link CudaAvailabilityTest}: prints what a JVM sees of the cuda backend. */
public final class CudaAvailabilityProbe {
    private CudaAvailabilityProbe() { }

    public static void main(String[] args) {
        Backend.Availability a = new CudaBackend().availability();
        System.out.println("available=" + a.available());
        System.out.println("reason=" + a.reason());
        try {
            Backends.get("cuda");
            System.out.println("get=returned");
        } catch (BackendUnavailableException e) {
            System.out.println("get=unavailable: " + e.getMessage());
        }
        System.out.println("best=" + Backends.best().name());
    }
}
