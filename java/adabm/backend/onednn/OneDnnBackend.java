package adabm.backend.onednn;

/** float32 inference on x86-64 Linux through libadabm_native built on oneDNN. */
public final class OneDnnBackend extends NativeCpuBackend {
    public OneDnnBackend() { super(NativeCpu.ONEDNN); }
}
