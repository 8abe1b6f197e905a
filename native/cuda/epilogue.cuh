// Device code shared by every kernel that makes values: the float stages, the optional store and the code sinks
// (gpu_kernels.h Epilogue), in the CPU plan's exact arithmetic: each operation rounds to float32 once, in the same
// operand order (fused_chain.cpp apply_stage), and codes follow activation_codes_run's formula and rounding.
#pragma once
#include "gpu_kernels.h"

namespace adabm::gpu {

// q = rint((clamp(x, lower, u) - l) / (u - l) * (2^b - 1)), with std::max/std::min's operand order (a NaN goes to lower)
__device__ __forceinline__ uint8_t code_of(float x, float l, float u, int bits, bool relu) {
    const float range = __fsub_rn(u, l), levels = float((1 << bits) - 1);
    const float lower = relu ? (l < 0.f ? 0.f : l) : l;
    const float m = lower < x ? x : lower;
    const float c = m < u ? m : u;
    const float t = __fmul_rn(__fdiv_rn(__fsub_rn(c, l), range), levels);
    return uint8_t(__float2int_rn(t));  // round half to even, like the CPU's (t + 2^23) - 2^23
}

__device__ __forceinline__ float apply_stage(const Stage& s, float v, int c, long long idx) {
    switch (s.kind) {
        case Stage::Affine: return __fadd_rn(__fmul_rn(v, s.a[c]), s.b[c]);
        case Stage::PRelu: {
            const float m = __fmul_rn(s.uniform ? s.a[0] : s.a[c], v);
            return v >= 0.f ? v : m;
        }
        case Stage::Add: return s.valueFirst ? __fadd_rn(v, s.other[idx]) : __fadd_rn(s.other[idx], v);
        default: return s.valueFirst ? __fsub_rn(v, s.other[idx]) : __fsub_rn(s.other[idx], v);
    }
}

// The value of channel c at pixel (y, x) of image ni of an h x w x C output.
__device__ __forceinline__ void finish_value(const Epilogue& e, float v, int ni, int y, int x, int c, int C, int h, int w) {
    const long long idx = ((static_cast<long long>(ni) * h + y) * w + x) * C + c;
#pragma unroll
    for (int i = 0; i < kMaxStages; i++)
        if (i < e.nStages) v = apply_stage(e.stages[i], v, c, idx);
    if (e.out) e.out[idx] = v;
#pragma unroll
    for (int k = 0; k < kMaxSinks; k++) {
        if (k >= e.nSinks) break;
        const Sink& s = e.sinks[k];
        const uint8_t q = code_of(v, s.l, s.u, e.bits[ni * e.ops + s.op], s.relu != 0);
        if (s.block == 1) {
            s.codes[((static_cast<long long>(ni) * h + y) * w + x) * s.cp + c] = q;
        } else {
            const int b = s.block, bb = b * b, oc = C / bb;
            const int sub = s.dcr ? c / oc : c % bb, cc = s.dcr ? c % oc : c / bb;
            const int yy = y * b + sub / b, xx = x * b + sub % b;
            s.codes[((static_cast<long long>(ni) * h * b + yy) * (w * b) + xx) * s.cp + cc] = q;
        }
    }
}

}  // namespace adabm::gpu
