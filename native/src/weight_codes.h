// ADABM.md §2's weight quantizer as integer codes, shared by the CPU (int8_conv.cpp) and GPU (cuda/gpu_plan.cpp)
// integer convs: in float32, in the order Java's Quantizers.weight computes it, so all three give the identical code.
// Compile with -ffp-contract=off (both libraries do).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace adabm {

// k = rint((clamp(w, -uw, uw) + uw) / (2 uw) * levels), levels = 2^bw - 1; the weight is -uw + k * 2 uw / levels,
// i.e. (2k - levels) * step with step = uw / levels
inline int64_t weight_level(float w, float uw, int64_t levels) {
    const float clamped = std::min(std::max(w, -uw), uw);
    return int64_t(std::nearbyint((clamped + uw) / (2 * uw) * float(levels)));
}

// the step uw / levels, rounded once in float32 as Quantizers.weight's, then widened
inline double weight_step(float uw, int64_t levels) { return double(uw / float(levels)); }

}  // namespace adabm
