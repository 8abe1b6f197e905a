// The adabm_fconv_* entry points (float32 conv forward/backward for fine-tuning) are oneDNN-only: the aarch64
// library answers ADABM_E_UNSUPPORTED with a message, and the Java side runs its reference kernels instead.
#include "abi_guard.h"

namespace {

int32_t unsupported() {
    return adabm::guarded([] {
        throw adabm::AbiFailure(ADABM_E_UNSUPPORTED,
            "the float32 training kernels (adabm_fconv_*) are oneDNN-only; the aarch64 (ACL) library does not provide them");
    });
}

}  // namespace

extern "C" {
int32_t adabm_fconv_workspace_create(int32_t, void** out) { if (out) *out = nullptr; return unsupported(); }
int32_t adabm_fconv_workspace_bytes(void*, int64_t*) { return unsupported(); }
int32_t adabm_fconv_workspace_destroy(void*) { return unsupported(); }
int32_t adabm_fconv_create(void*, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, void** out) {
    if (out) *out = nullptr;
    return unsupported();
}
int32_t adabm_fconv_forward(void*, int32_t, int32_t, int32_t, int32_t, const float*, const float*, const float*, float*, size_t) {
    return unsupported();
}
int32_t adabm_fconv_backward_data(void*, int32_t, int32_t, int32_t, int32_t, const float*, const float*, float*, size_t) {
    return unsupported();
}
int32_t adabm_fconv_backward_weights(void*, int32_t, int32_t, int32_t, int32_t, const float*, const float*, float*, size_t) {
    return unsupported();
}
int32_t adabm_fconv_implementation(void*, char*, size_t) { return unsupported(); }
int32_t adabm_fconv_cached_shapes(void*) { return unsupported(); }
int32_t adabm_fconv_destroy(void*) { return unsupported(); }
}
