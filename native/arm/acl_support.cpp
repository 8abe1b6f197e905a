#include "acl_support.h"

#include <arm_compute/runtime/NEON/NEScheduler.h>
#include <algorithm>
#include <cstring>
#include <omp.h>
#include <vector>

namespace adabm {

std::string describe(const AclConvShape& s) {
    return std::to_string(s.kh) + "x" + std::to_string(s.kw) + " " + std::to_string(s.inC) + "->" + std::to_string(s.outC) +
           " g" + std::to_string(s.groups) + " pad(t" + std::to_string(s.padT) + ",l" + std::to_string(s.padL) + ",b" +
           std::to_string(s.padB) + ",r" + std::to_string(s.padR) + ")";
}

void check_conv_shape(const AclConvShape& s, const char* what) {
    if (s.inC <= 0 || s.outC <= 0 || s.kh <= 0 || s.kw <= 0 || s.groups <= 0)
        throw ArgumentError(std::string(what) + ": sizes must be positive, got conv " + describe(s));
    if (s.padT < 0 || s.padL < 0 || s.padB < 0 || s.padR < 0)
        throw ArgumentError(std::string(what) + ": negative padding in conv " + describe(s));
    if (s.inC % s.groups != 0 || s.outC % s.groups != 0)
        throw ArgumentError(std::string(what) + ": channels not divisible by groups in conv " + describe(s));
}

void conv_output_size(const AclConvShape& s, int64_t n, int64_t h, int64_t w, int64_t* ho, int64_t* wo) {
    *ho = h + s.padT + s.padB - s.kh + 1;
    *wo = w + s.padL + s.padR - s.kw + 1;
    if (n <= 0 || h <= 0 || w <= 0 || *ho <= 0 || *wo <= 0)
        throw ShapeError("input " + std::to_string(n) + "x" + std::to_string(h) + "x" + std::to_string(w) +
                         " gives an empty output for conv " + describe(s));
}

void throw_if_refused(const arm_compute::Status& status, const AclConvShape& s, const char* function) {
    if (!bool(status))
        throw ShapeError(std::string(function) + " refuses conv " + describe(s) + ": " + status.error_description());
}

// Both copies go by image rows (n*h of them) on the thread pool.
void copy_channels_in(const float* src, int64_t n, int64_t h, int64_t w, int64_t c, int64_t c0, arm_compute::Tensor& t) {
    const size_t bytes = t.info()->dimension(0) * sizeof(float);
    parallel_ranges(n * h, 8, [&](int64_t first, int64_t last) {
        for (int64_t row = first; row < last; ++row)
            for (int64_t x = 0; x < w; ++x)
                std::memcpy(element_at(t, 0, x, row % h, row / h), src + (row * w + x) * c + c0, bytes);
    });
}

void copy_channels_out(arm_compute::Tensor& t, int64_t n, int64_t h, int64_t w, float* dst, int64_t c, int64_t c0) {
    const size_t bytes = t.info()->dimension(0) * sizeof(float);
    parallel_ranges(n * h, 8, [&](int64_t first, int64_t last) {
        for (int64_t row = first; row < last; ++row)
            for (int64_t x = 0; x < w; ++x)
                std::memcpy(dst + (row * w + x) * c + c0, element_at(t, 0, x, row % h, row / h), bytes);
    });
}

void parallel_ranges(int64_t count, int64_t minPerTask, const std::function<void(int64_t, int64_t)>& body) {
    auto& scheduler = arm_compute::NEScheduler::get();
    const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>(scheduler.num_threads(), count / std::max<int64_t>(1, minPerTask)));
    if (tasks == 1) {
        body(0, count);
        return;
    }
    std::vector<arm_compute::IScheduler::Workload> workloads;
    for (int64_t t = 0; t < tasks; ++t) {
        const int64_t first = count * t / tasks, last = count * (t + 1) / tasks;
        workloads.emplace_back([&body, first, last](const arm_compute::ThreadInfo&) { body(first, last); });
    }
    scheduler.run_tagged_workloads(workloads, "adabm_rows");
}

void acl_follow_omp_threads() {
    const unsigned n = unsigned(std::max(1, omp_get_max_threads()));
    auto& scheduler = arm_compute::NEScheduler::get();
    if (scheduler.num_threads() != n) scheduler.set_num_threads(n);
}

}  // namespace adabm
