// Device code shared by every kernel that makes values: the float stages, the optional store and the code sinks
// (gpu_kernels.h Epilogue), in the CPU plan's exact arithmetic: each operation rounds to float32 once, in the same
// operand order (fused_chain.cpp apply_stage), and codes follow activation_codes_run's formula and rounding.
// The Epilogue is taken by reference: the int8 conv passes its kernel-parameter copy (constant bank: uniform reads
// cost no memory round trip), the other kernels their copy in device memory. Loops over stages and sinks run to the
// compile-time maxima with a uniform exit, so every descriptor field is read at a fixed offset.
#pragma once
#include "gpu_kernels.h"

namespace adabm::gpu {

// One sink's quantizer for one image (activation_codes.h's formula: q = rint((clamp(x, lower, u) - l) / (u - l) *
// (2^b - 1))), with what every value shares computed once: the bounds, 2^b - 1 and the reciprocal of the range.
struct SinkQuant {
    float l, u, lower, range, levels, rcp;
    bool fast;  // the range lies in [2^-32, 2^32], where exact_quotient's reciprocal path applies
};

__device__ __forceinline__ SinkQuant sink_quant(const Sink& s, float levels) {
    SinkQuant q;
    q.l = s.l;
    q.u = s.u;
    q.range = __fsub_rn(s.u, s.l);
    q.lower = s.relu ? (s.l < 0.f ? 0.f : s.l) : s.l;
    q.levels = levels;
    float r0;
    asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(r0) : "f"(q.range));
    q.rcp = __fmaf_rn(r0, __fmaf_rn(-q.range, r0, 1.f), r0);  // one Newton step, as __fdiv_rn's fast path
    q.fast = q.range >= 0x1p-32f && q.range <= 0x1p32f;
    return q;
}

// num / range rounded to nearest, bit for bit __fdiv_rn: the instruction sequence of __fdiv_rn's fast path (the
// reciprocal above, q0 = num * rcp, one residual correction) with the reciprocal hoisted out of the per-value work.
// That path is exact while every intermediate stays normal; here num is in [0, range], so it is used for num = 0 and
// num >= 2^-60 with the range in [2^-32, 2^32] (quotient >= 2^-92), and __fdiv_rn itself takes anything else.
// tests/gpu/quotient_check.cu compares the two over every float num of several ranges.
__device__ __forceinline__ float exact_quotient(float num, const SinkQuant& q) {
    if (!q.fast || (num != 0.f && num < 0x1p-60f)) return __fdiv_rn(num, q.range);
    const float q0 = __fmul_rn(num, q.rcp);
    return __fmaf_rn(q.rcp, __fmaf_rn(-q.range, q0, num), q0);
}

// x's code, with std::max/std::min's operand order (a NaN goes to lower); rint rounds half to even, like the CPU's
// (t + 2^23) - 2^23
__device__ __forceinline__ uint8_t code_of(float x, const SinkQuant& q) {
    const float m = q.lower < x ? x : q.lower;
    const float c = m < q.u ? m : q.u;
    return uint8_t(__float2int_rn(__fmul_rn(exact_quotient(__fsub_rn(c, q.l), q), q.levels)));
}

// each sink's activation bits for image ni, as 2^b - 1 (read once per tile or value, not once per stage of a value)
__device__ __forceinline__ void sink_levels(const Epilogue& e, int ni, float (&levels)[kMaxSinks]) {
#pragma unroll
    for (int k = 0; k < kMaxSinks; k++)
        levels[k] = k < e.nSinks ? float((1 << e.bits[ni * e.ops + e.sinks[k].op]) - 1) : 0.f;
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

// the code index through a DCR shuffle or one of another block than 2: integer divisions, so not inlined at the many
// call sites of the common cases
static __device__ __noinline__ long long shuffled_code_index(const Sink& s, int ni, int y, int x, int c, int h, int w) {
    const int b = s.block, bb = b * b;
    const int sub = s.dcr ? c / s.shuffledC : c % bb, cc = s.dcr ? c % s.shuffledC : c / bb;
    return ((static_cast<long long>(ni) * h * b + y * b + sub / b) * (w * b) + x * b + sub % b) * s.cp + cc;
}

// where the code of channel c at (y, x) of an h x w x C value lands: the sink's NHWC codes, through its pixel shuffle
// (pixel: the flat (ni, y, x) index)
__device__ __forceinline__ long long code_index(const Sink& s, long long pixel, int ni, int y, int x, int c, int h, int w) {
    if (s.block == 1) return pixel * s.cp + c;
    if (s.block == 2 && !s.dcr) {  // the common x2 CRD shuffle (PyTorch's pixel_shuffle): shifts, not divisions
        const int sub = c & 3;
        return ((static_cast<long long>(ni) * h * 2 + y * 2 + (sub >> 1)) * (w * 2) + x * 2 + (sub & 1)) * s.cp + (c >> 2);
    }
    return shuffled_code_index(s, ni, y, x, c, h, w);
}

// The value of channel c at pixel (y, x) of image ni of an h x w x C output. Called from loops that are not unrolled
// (64 inlined copies per thread made the int8 conv kernel instruction-cache bound: measured 30x slower).
__device__ __forceinline__ void finish_value(const Epilogue& e, const float (&levels)[kMaxSinks], float v, int ni, int y,
                                             int x, int c, int C, int h, int w) {
    const long long pixel = (static_cast<long long>(ni) * h + y) * w + x, idx = pixel * C + c;
#pragma unroll
    for (int i = 0; i < kMaxStages; i++) {
        if (i >= e.nStages) break;
        v = apply_stage(e.stages[i], v, c, idx);
    }
    if (e.out) e.out[idx] = v;
#pragma unroll
    for (int k = 0; k < kMaxSinks; k++) {
        if (k >= e.nSinks) break;
        const Sink& s = e.sinks[k];
        s.codes[code_index(s, pixel, ni, y, x, c, h, w)] = code_of(v, sink_quant(s, levels[k]));
    }
}

// count (1..4) consecutive channels c0.. of one pixel (pixel = its flat (ni, y, x) index) at once: one read of each
// per-channel operand and of each descriptor per group; float4 and 4-byte code stores where the channel count allows
// (C % 4 == 0), else per value.
__device__ __forceinline__ void finish_values4(const Epilogue& e, const float (&levels)[kMaxSinks], float4 v4, int count,
                                               long long pixel, int ni, int y, int x, int c0, int C, int h, int w) {
    if (count < 4 || (C & 3)) {
        for (int k = 0; k < count; k++)  // selects, not v[k]: a runtime index would put the four values in local memory
            finish_value(e, levels, k == 0 ? v4.x : k == 1 ? v4.y : k == 2 ? v4.z : v4.w, ni, y, x, c0 + k, C, h, w);
        return;
    }
    float v[4] = {v4.x, v4.y, v4.z, v4.w};
    const long long idx = pixel * C + c0;
#pragma unroll
    for (int i = 0; i < kMaxStages; i++) {
        if (i >= e.nStages) break;
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
                const float4 a = s.uniform ? make_float4(s.a[0], s.a[0], s.a[0], s.a[0]) : *reinterpret_cast<const float4*>(s.a + c0);
                const float as[4] = {a.x, a.y, a.z, a.w};
#pragma unroll
                for (int k = 0; k < 4; k++) {
                    const float m = __fmul_rn(as[k], v[k]);
                    v[k] = v[k] >= 0.f ? v[k] : m;
                }
                break;
            }
            default: {  // selects, not branches: a + b is b + a exactly; a - b and b - a are both computed
                const float4 o = *reinterpret_cast<const float4*>(s.other + idx);
                const float os[4] = {o.x, o.y, o.z, o.w};
                const bool add = s.kind == Stage::Add, first = s.valueFirst != 0;
#pragma unroll
                for (int k = 0; k < 4; k++) {
                    const float d = first ? __fsub_rn(v[k], os[k]) : __fsub_rn(os[k], v[k]);
                    v[k] = add ? __fadd_rn(v[k], os[k]) : d;
                }
                break;
            }
        }
    }
    if (e.out) *reinterpret_cast<float4*>(e.out + idx) = make_float4(v[0], v[1], v[2], v[3]);
#pragma unroll
    for (int k = 0; k < kMaxSinks; k++) {
        if (k >= e.nSinks) break;
        const Sink& s = e.sinks[k];
        const SinkQuant sq = sink_quant(s, levels[k]);
        uint8_t q[4];
#pragma unroll
        for (int i = 0; i < 4; i++) q[i] = code_of(v[i], sq);
        if (s.block == 1 || (s.dcr && (s.shuffledC & 3) == 0)) {  // four consecutive channels of one code pixel
            *reinterpret_cast<uchar4*>(s.codes + code_index(s, pixel, ni, y, x, c0, h, w)) = make_uchar4(q[0], q[1], q[2], q[3]);
        } else {
#pragma unroll
            for (int i = 0; i < 4; i++) s.codes[code_index(s, pixel, ni, y, x, c0 + i, h, w)] = q[i];
        }
    }
}

}  // namespace adabm::gpu
