// C entry points of the integer plan (qplan.h).
#include "abi_guard.h"
#include "qplan.h"
#include <memory>
#include <string>

namespace {

using adabm::guarded;

adabm::QuantPlan* checked(void* handle) {
    auto* plan = static_cast<adabm::QuantPlan*>(handle);
    if (!plan) throw adabm::ArgumentError("qplan handle is null");
    if (plan->liveTag != adabm::QuantPlan::kLiveTag) throw adabm::ArgumentError("qplan handle does not point to a live integer plan");
    return plan;
}

}  // namespace

extern "C" int32_t adabm_qplan_create(const uint8_t* desc, size_t len, int32_t threads, int32_t flags, void** out_plan) {
    return guarded([&] {
        if (!out_plan) throw adabm::ArgumentError("out_plan is null");
        *out_plan = nullptr;
        if (flags & ~(ADABM_QPLAN_DIRECT_CODES | ADABM_QPLAN_UNFUSED))
            throw adabm::ArgumentError("qplan: unknown flags " + std::to_string(flags));
        const bool direct = (flags & ADABM_QPLAN_DIRECT_CODES) != 0, fuse = (flags & ADABM_QPLAN_UNFUSED) == 0;
        *out_plan = std::make_unique<adabm::QuantPlan>(adabm::parse_plan(desc, len), threads, direct, fuse).release();
    });
}

extern "C" int32_t adabm_qplan_run(void* plan, const float* in_nchw, int32_t n, int32_t c, int32_t h, int32_t w,
                                   const int32_t* bits, size_t bits_len, float* out_nchw, size_t out_capacity) {
    return guarded([&] { checked(plan)->run(in_nchw, n, c, h, w, bits, bits_len, out_nchw, out_capacity); });
}

extern "C" int32_t adabm_qplan_output_shape(void* plan, int32_t n, int32_t c, int32_t h, int32_t w, int32_t* out_nchw) {
    return guarded([&] {
        int64_t shape[4];
        checked(plan)->output_shape(n, c, h, w, shape);
        adabm::copy_shape(shape, out_nchw, "qplan");
    });
}

extern "C" int32_t adabm_qplan_cached_shapes(void* plan) {
    int32_t count = 0;
    int32_t rc = guarded([&] { count = int32_t(checked(plan)->cached_shapes()); });
    return rc == ADABM_OK ? count : rc;
}

extern "C" int32_t adabm_qplan_implementations(void* plan, char* buf, size_t capacity) {
    int32_t length = 0;
    int32_t rc = guarded([&] { length = adabm::copy_text(checked(plan)->implementations(), buf, capacity); });
    return rc == ADABM_OK ? length : rc;
}

extern "C" int32_t adabm_qplan_destroy(void* plan) {
    return guarded([&] {
        if (plan) delete checked(plan);
    });
}

extern "C" int32_t adabm_qplan_set_profiling(void* plan, int32_t on) {
    return guarded([&] { checked(plan)->profiler().set_enabled(on != 0); });
}

extern "C" int32_t adabm_qplan_profile(void* plan, adabm_step_time* out, size_t capacity) {
    int32_t count = 0;
    int32_t rc = guarded([&] {
        if (!out && capacity > 0) throw adabm::ArgumentError("out is null");
        count = checked(plan)->profiler().copy_to(out, capacity);
    });
    return rc == ADABM_OK ? count : rc;
}
