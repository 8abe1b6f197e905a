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

// The value of channel c at pixel (y, x) of image ni of an h x w x C output. Called once per value from a loop that
// is not unrolled (64 inlined copies per thread made the int8 conv kernel instruction-cache bound: measured 30x slower).
static __device__ __forceinline__ void finish_value(const Epilogue* __restrict__ ep, float v, int ni, int y, int x, int c, int C, int h, int w) {
    const Epilogue& e = *ep;
    const long long idx = ((static_cast<long long>(ni) * h + y) * w + x) * C + c;
    for (int i = 0; i < e.nStages; i++) v = apply_stage(e.stages[i], v, c, idx);
    if (e.out) e.out[idx] = v;
    for (int k = 0; k < e.nSinks; k++) {
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

// count (1..4) consecutive channels c0.. of one pixel at once: one read of each per-channel operand and of each
// descriptor per group; float4 and 4-byte code stores where the channel count allows (C % 4 == 0), else per value.
__device__ __forceinline__ void finish_values4(const Epilogue* __restrict__ ep, float4 v4, int count, int ni, int y, int x,
                                               int c0, int C, int h, int w) {
    if (count < 4 || (C & 3)) {
        const float v[4] = {v4.x, v4.y, v4.z, v4.w};
        for (int k = 0; k < count; k++) finish_value(ep, v[k], ni, y, x, c0 + k, C, h, w);
        return;
    }
    const Epilogue& e = *ep;
    const long long pixel = (static_cast<long long>(ni) * h + y) * w + x, idx = pixel * C + c0;
    float v[4] = {v4.x, v4.y, v4.z, v4.w};
    for (int i = 0; i < e.nStages; i++) {
        const Stage& s = e.stages[i];
        switch (s.kind) {
            case Stage::Affine: {
                const float4 a = *reinterpret_cast<const float4*>(s.a + c0), b = *reinterpret_cast<const float4*>(s.b + c0);
                const float as[4] = {a.x, a.y, a.z, a.w}, bs[4] = {b.x, b.y, b.z, b.w};
#pragma unroll
                for (int k = 0; k < 4; k++) v[k] = __fadd_rn(__fmul_rn(v[k], as[k]), bs[k]);
                break;
            }
            case Stage::PRelu: {
#pragma unroll
                for (int k = 0; k < 4; k++) {
                    const float m = __fmul_rn(s.uniform ? s.a[0] : s.a[c0 + k], v[k]);
                    v[k] = v[k] >= 0.f ? v[k] : m;
                }
                break;
            }
            default: {
                const float4 o = *reinterpret_cast<const float4*>(s.other + idx);
                const float os[4] = {o.x, o.y, o.z, o.w};
#pragma unroll
                for (int k = 0; k < 4; k++)
                    v[k] = s.kind == Stage::Add ? (s.valueFirst ? __fadd_rn(v[k], os[k]) : __fadd_rn(os[k], v[k]))
                                                : (s.valueFirst ? __fsub_rn(v[k], os[k]) : __fsub_rn(os[k], v[k]));
                break;
            }
        }
    }
    if (e.out) *reinterpret_cast<float4*>(e.out + idx) = make_float4(v[0], v[1], v[2], v[3]);
    for (int k = 0; k < e.nSinks; k++) {
        const Sink& s = e.sinks[k];
        const int bits = e.bits[ni * e.ops + s.op];
        uint8_t q[4];
#pragma unroll
        for (int i = 0; i < 4; i++) q[i] = code_of(v[i], s.l, s.u, bits, s.relu != 0);
        if (s.block == 1) {
            *reinterpret_cast<uchar4*>(s.codes + pixel * s.cp + c0) = make_uchar4(q[0], q[1], q[2], q[3]);
        } else {
            const int b = s.block, bb = b * b, oc = C / bb;
            for (int i = 0; i < 4; i++) {
                const int c = c0 + i, sub = s.dcr ? c / oc : c % bb, cc = s.dcr ? c % oc : c / bb;
                const int yy = y * b + sub / b, xx = x * b + sub % b;
                s.codes[((static_cast<long long>(ni) * h * b + yy) * (w * b) + xx) * s.cp + cc] = q[i];
            }
        }
    }
}

}  // namespace adabm::gpu
