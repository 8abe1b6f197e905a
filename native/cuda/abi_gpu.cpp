// The C entry points of libadabm_cuda.so (adabm_gpu.h). Each body runs inside guarded(): every C++ exception and
// every CUDA failure becomes a negative ADABM_E_* code and a thread-local message; nothing unwinds into the JVM.
#include "adabm_gpu.h"
#include "../src/abi_barrier.h"
#include "gpu_plan.h"
#include <climits>
#include <string>

namespace {

std::string& last_error() {
    thread_local std::string message;
    return message;
}

// abi_barrier.h's barrier, with the CUDA library's own failures mapped to their codes
template <typename F>
int32_t guarded(F&& body) {
    return adabm::guarded_into(last_error(), [&] {
        try {
            body();
        } catch (const adabm::NoDeviceError& e) {
            throw adabm::AbiFailure(ADABM_E_NO_DEVICE, e.what());
        } catch (const adabm::UnsupportedError& e) {
            throw adabm::AbiFailure(ADABM_E_UNSUPPORTED, e.what());
        } catch (const adabm::CudaError& e) {
            throw adabm::AbiFailure(ADABM_E_CUDA, std::string("CUDA: ") + e.what());
        }
    });
}

using adabm::copy_text;

adabm::gpu::GpuPlan* checked(void* handle) {
    auto* plan = static_cast<adabm::gpu::GpuPlan*>(handle);
    if (!plan) throw adabm::ArgumentError("gpu plan handle is null");
    if (plan->liveTag != adabm::gpu::GpuPlan::kLiveTag) throw adabm::ArgumentError("gpu plan handle does not point to a live plan");
    return plan;
}

}  // namespace

extern "C" int32_t adabm_gpu_abi_version(void) { return ADABM_GPU_ABI_VERSION; }

extern "C" const char* adabm_gpu_last_error(void) { return last_error().c_str(); }

extern "C" int32_t adabm_gpu_probe(char* reason, size_t capacity) {
    try {
        int count = 0;
        const cudaError_t status = cudaGetDeviceCount(&count);
        if (status != cudaSuccess) {
            cudaGetLastError();
            copy_text(std::string("no usable CUDA driver or device (") + cudaGetErrorName(status) + ": " + cudaGetErrorString(status) + ")", reason, capacity);
            return 0;
        }
        if (count == 0) {
            copy_text("no CUDA device", reason, capacity);
            return 0;
        }
        cudaDeviceProp p{};
        if (cudaGetDeviceProperties(&p, 0) != cudaSuccess) {
            cudaGetLastError();
            copy_text("cannot read the properties of CUDA device 0", reason, capacity);
            return 0;
        }
        const std::string text = std::string(p.name) + ", sm_" + std::to_string(p.major * 10 + p.minor) + ", " +
                                 std::to_string(p.multiProcessorCount) + " SMs, " + std::to_string(p.totalGlobalMem >> 30) + " GiB";
        if (p.major < 8) {
            copy_text(text + ": the int8 kernels need sm_80 or newer", reason, capacity);
            return 0;
        }
        copy_text(text, reason, capacity);
        return 1;
    } catch (...) {
        copy_text("probing CUDA failed", reason, capacity);
        return 0;
    }
}

extern "C" int32_t adabm_gpu_plan_create(const uint8_t* desc, size_t len, int32_t flags, void** out_plan) {
    return guarded([&] {
        if (!out_plan) throw adabm::ArgumentError("out_plan is null");
        *out_plan = nullptr;
        if (flags & ~ADABM_GPU_FLOAT_ONLY) throw adabm::ArgumentError("gpu plan: unknown flags " + std::to_string(flags));
        *out_plan = new adabm::gpu::GpuPlan(adabm::parse_plan(desc, len), (flags & ADABM_GPU_FLOAT_ONLY) != 0);
    });
}

extern "C" int32_t adabm_gpu_plan_output_shape(void* plan, int32_t n, int32_t c, int32_t h, int32_t w, int32_t* out_nchw) {
    return guarded([&] {
        int64_t shape[4];
        checked(plan)->output_shape(n, c, h, w, shape);
        adabm::copy_shape(shape, out_nchw, "gpu plan");
    });
}

extern "C" int32_t adabm_gpu_plan_run(void* plan, const float* in_nchw, int32_t n, int32_t c, int32_t h, int32_t w,
                                      const int32_t* bits, size_t bits_len, const adabm_gpu_bitmap* map,
                                      float* out_nchw, size_t out_capacity, adabm_gpu_image_info* info) {
    return guarded([&] { checked(plan)->run(in_nchw, n, c, h, w, bits, bits_len, map, out_nchw, out_capacity, info); });
}

extern "C" int32_t adabm_gpu_plan_last_times(void* plan, double* h2d_ms, double* compute_ms, double* d2h_ms) {
    return guarded([&] {
        if (!h2d_ms || !compute_ms || !d2h_ms) throw adabm::ArgumentError("a time pointer is null");
        checked(plan)->last_times(h2d_ms, compute_ms, d2h_ms);
    });
}

extern "C" int32_t adabm_gpu_plan_set_profiling(void* plan, int32_t on) {
    return guarded([&] { checked(plan)->set_profiling(on != 0); });
}

extern "C" int32_t adabm_gpu_plan_profile(void* plan, adabm_step_time* out, size_t capacity) {
    int32_t count = 0;
    const int32_t rc = guarded([&] {
        if (!out && capacity > 0) throw adabm::ArgumentError("out is null");
        const auto& p = checked(plan)->profile();
        for (size_t i = 0; i < p.size() && i < capacity; i++) out[i] = p[i];
        count = int32_t(p.size());
    });
    return rc == ADABM_OK ? count : rc;
}

extern "C" int32_t adabm_gpu_plan_int8_macs(void* plan, double* out_macs) {
    return guarded([&] {
        if (!out_macs) throw adabm::ArgumentError("out_macs is null");
        *out_macs = checked(plan)->int8_macs();
    });
}

extern "C" int32_t adabm_gpu_plan_destroy(void* plan) {
    return guarded([&] {
        if (plan) delete checked(plan);
    });
}

extern "C" int32_t adabm_gpu_host_alloc(size_t bytes, void** out) {
    return guarded([&] {
        if (!out) throw adabm::ArgumentError("out is null");
        *out = nullptr;
        adabm::cuda_check(cudaHostAlloc(out, bytes, cudaHostAllocDefault), "cudaHostAlloc " + std::to_string(bytes) + " bytes");
    });
}

extern "C" int32_t adabm_gpu_host_free(void* p) {
    return guarded([&] {
        if (p) adabm::cuda_check(cudaFreeHost(p), "cudaFreeHost");
    });
}
