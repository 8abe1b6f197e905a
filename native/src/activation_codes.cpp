#include "activation_codes.h"
#include "vector_clones.h"
#include <algorithm>

namespace adabm {

namespace {
constexpr int64_t kParallelMin = 1 << 15;
constexpr int64_t kChunk = 1 << 14;
}  // namespace

ADABM_VECTOR_CLONES
void activation_codes_run(const float* x, uint8_t* q, int64_t count, float l, float u, int bits, bool relu) {
    const float range = u - l, levels = float((1 << bits) - 1), lower = relu ? std::max(l, 0.f) : l;
    for (int64_t i = 0; i < count; i++) {
        const float c = std::min(u, std::max(lower, x[i]));  // this operand order sends a NaN to lower
        const float t = (c - l) / range * levels;          // >= 0
        // round half to even for 0 <= t < 2^22 (see int8_epilogue.cpp): vectorises, unlike nearbyint
        q[i] = uint8_t(int32_t((t + 8388608.f) - 8388608.f));
    }
}

void activation_codes(const float* x, uint8_t* q, int64_t count, float l, float u, int bits) {
    const int64_t chunks = (count + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (count > kParallelMin)
    for (int64_t i = 0; i < chunks; i++) {
        const int64_t from = i * kChunk;
        activation_codes_run(x + from, q + from, std::min(kChunk, count - from), l, u, bits);
    }
}

}  // namespace adabm
