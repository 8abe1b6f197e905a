package adabm.backend.onednn;

/**
 * float32 inference on aarch64 Linux through libadabm_native built on the ARM Compute Library (the same C ABI and
 * Java classes as {@link OneDnnBackend}). It has no float32 training kernels: fake-quantized runs and fine-tuning
 * use the Java reference kernels there.
 */
public final class AclBackend extends NativeCpuBackend {
    public AclBackend() { super(NativeCpu.ACL); }
}
