// The C entry points. Each one catches every C++ exception (oneDNN's or ACL's errors, bad_alloc, our typed errors) and
// turns it into a negative ADABM_E_* code plus a thread-local message: nothing unwinds into the JVM.
#include "abi_guard.h"
#include "plan.h"
#include <algorithm>
#include <cstring>
#include <string>

namespace adabm {
std::string& last_error_slot() {
    thread_local std::string message;
    return message;
}
}  // namespace adabm

namespace {

using adabm::guarded;

adabm::Plan* checked(void* handle) {
    auto* plan = static_cast<adabm::Plan*>(handle);
    if (!plan) throw adabm::ArgumentError("plan handle is null");
    if (plan->liveTag != adabm::Plan::kLiveTag) throw adabm::ArgumentError("plan handle does not point to a live plan");
    return plan;
}

}  // namespace

extern "C" int32_t adabm_abi_version(void) { return 3; }

extern "C" const char* adabm_native_backend(void) {
#if defined(ADABM_BACKEND_ACL)
    return "acl";
#else
    return "onednn";
#endif
}

extern "C" const char* adabm_last_error(void) { return adabm::last_error_slot().c_str(); }

extern "C" int32_t adabm_plan_create(const uint8_t* desc, size_t len, int32_t threads, void** out_plan) {
    return guarded([&] {
        if (!out_plan) throw adabm::ArgumentError("out_plan is null");
        *out_plan = nullptr;
        auto plan = std::make_unique<adabm::Plan>(adabm::parse_plan(desc, len), threads);
        *out_plan = plan.release();
    });
}

extern "C" int32_t adabm_plan_output_shape(void* plan, int32_t n, int32_t c, int32_t h, int32_t w, int32_t* out_nchw) {
    return guarded([&] {
        int64_t shape[4];
        checked(plan)->output_shape(n, c, h, w, shape);
        adabm::copy_shape(shape, out_nchw, "plan");
    });
}

extern "C" int32_t adabm_plan_run(void* plan, const float* in_nchw, int32_t n, int32_t c, int32_t h, int32_t w,
                                  float* out_nchw, size_t out_capacity) {
    return guarded([&] { checked(plan)->run(in_nchw, n, c, h, w, out_nchw, out_capacity); });
}

extern "C" int32_t adabm_plan_cached_shapes(void* plan) {
    int32_t count = 0;
    int32_t rc = guarded([&] { count = int32_t(checked(plan)->cached_shapes()); });
    return rc == ADABM_OK ? count : rc;
}

extern "C" int32_t adabm_plan_implementations(void* plan, char* buf, size_t capacity) {
    int32_t length = 0;
    int32_t rc = guarded([&] {
        std::string text = checked(plan)->implementations();
        length = adabm::copy_text(text, buf, capacity);
    });
    return rc == ADABM_OK ? length : rc;
}

extern "C" int32_t adabm_plan_destroy(void* plan) {
    return guarded([&] {
        if (plan) delete checked(plan);
    });
}

extern "C" int32_t adabm_plan_set_profiling(void* plan, int32_t on) {
    return guarded([&] { checked(plan)->profiler().set_enabled(on != 0); });
}

extern "C" int32_t adabm_plan_profile(void* plan, adabm_step_time* out, size_t capacity) {
    int32_t count = 0;
    int32_t rc = guarded([&] {
        if (!out && capacity > 0) throw adabm::ArgumentError("out is null");
        count = checked(plan)->profiler().copy_to(out, capacity);
    });
    return rc == ADABM_OK ? count : rc;
}
