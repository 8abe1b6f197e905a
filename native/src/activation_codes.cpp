#include "activation_codes.h"
#include <algorithm>

namespace adabm {

namespace {
// Round half to even for 0 <= t < 2^22 (see int8_epilogue.cpp): vectorises, unlike nearbyint.
inline float round_half_even(float t) { return (t + 8388608.f) - 8388608.f; }
constexpr int64_t kParallelMin = 1 << 15;
}  // namespace

void activation_codes(const float* x, uint8_t* q, int64_t count, float l, float u, int bits) {
    const float range = u - l, levels = float((1 << bits) - 1);
#pragma omp parallel for schedule(static) if (count > kParallelMin)
    for (int64_t i = 0; i < count; i++) {
        const float c = std::min(u, std::max(l, x[i]));  // this operand order sends a NaN to l (code 0)
        const float t = (c - l) / range * levels;          // >= 0
        q[i] = uint8_t(int32_t(round_half_even(t)));
    }
}

}  // namespace adabm
