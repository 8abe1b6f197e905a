#include "acl_support.h"

#include <arm_compute/runtime/NEON/NEScheduler.h>
#include <cstring>
#include <thread>

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

void copy_channels_in(const float* src, int64_t n, int64_t h, int64_t w, int64_t c, int64_t c0, arm_compute::Tensor& t) {
    const int64_t tc = int64_t(t.info()->dimension(0));
    for (int64_t b = 0; b < n; ++b)
        for (int64_t y = 0; y < h; ++y)
            for (int64_t x = 0; x < w; ++x)
                std::memcpy(element_at(t, 0, x, y, b), src + ((b * h + y) * w + x) * c + c0, size_t(tc) * sizeof(float));
}

void copy_channels_out(arm_compute::Tensor& t, int64_t n, int64_t h, int64_t w, float* dst, int64_t c, int64_t c0) {
    const int64_t tc = int64_t(t.info()->dimension(0));
    for (int64_t b = 0; b < n; ++b)
        for (int64_t y = 0; y < h; ++y)
            for (int64_t x = 0; x < w; ++x)
                std::memcpy(dst + ((b * h + y) * w + x) * c + c0, element_at(t, 0, x, y, b), size_t(tc) * sizeof(float));
}

void acl_set_threads(int threads) {
    unsigned n = threads > 0 ? unsigned(threads) : std::thread::hardware_concurrency();
    arm_compute::NEScheduler::get().set_num_threads(n == 0 ? 1 : n);
}

}  // namespace adabm
