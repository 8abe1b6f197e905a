#include "step_profile.h"
#include <algorithm>
#include <climits>
#include <cstring>

namespace adabm {

int32_t StepProfiler::copy_to(adabm_step_time* out, size_t capacity) const {
    const size_t n = std::min(capacity, records_.size());
    for (size_t i = 0; i < n; i++) {
        const StepRecord& r = records_[i];
        out[i].op = r.op;
        out[i].kind = r.kind;
        out[i].ms = r.ms;
        std::memset(out[i].implementation, 0, sizeof out[i].implementation);
        std::memcpy(out[i].implementation, r.implementation.data(), std::min(r.implementation.size(), sizeof out[i].implementation - 1));
    }
    return int32_t(std::min<size_t>(records_.size(), INT32_MAX));
}

}  // namespace adabm
