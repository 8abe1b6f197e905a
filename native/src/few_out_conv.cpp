#include "few_out_conv.h"
#include "int8_conv.h"
#include <immintrin.h>
// GCC 12's own AVX-512 intrinsic headers (masked loads, 512 -> 256 casts) trip -Wmaybe-uninitialized
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <oneapi/dnnl/dnnl.hpp>

namespace adabm {

namespace {

#define ADABM_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2")))

// the sum of 16 s32 lanes (_mm512_reduce_add_epi32 trips GCC 12's -Wmaybe-uninitialized)
ADABM_VNNI inline int32_t lane_sum(__m512i v) {
    const __m256i s8 = _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
    const __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
    const __m128i s2 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    return _mm_cvtsi128_si32(_mm_add_epi32(s2, _mm_shuffle_epi32(s2, 0xb1)));
}

// Out output channels of one output pixel (a row's last few): its few sums wait on vpdpbusd's latency at every tap,
// so rows run four_pixels below, which keeps 4 * Out independent ones.
template <int Out>
ADABM_VNNI inline void one_pixel(const uint8_t* q, const int8_t* weights, int64_t h, int64_t w, int64_t inC, int64_t chunks,
                                 int64_t kh, int64_t kw, int64_t iy0, int64_t ix0, int32_t* out) {
    __m512i acc[Out];
    for (int o = 0; o < Out; o++) acc[o] = _mm512_setzero_si512();
    const int64_t stride = chunks * 64;
    const __mmask64 tail = inC % 64 ? (~0ull >> (64 - inC % 64)) : ~0ull;
    for (int64_t ky = 0; ky < kh; ky++) {
        const int64_t iy = iy0 + ky;
        if (iy < 0 || iy >= h) continue;
        for (int64_t kx = 0; kx < kw; kx++) {
            const int64_t ix = ix0 + kx;
            if (ix < 0 || ix >= w) continue;   // outside the image: code 0, as oneDNN's padding
            const uint8_t* px = q + (iy * w + ix) * inC;
            const int8_t* wt = weights + (ky * kw + kx) * Out * stride;
            for (int64_t c = 0; c < chunks; c++) {
                const __m512i x = _mm512_maskz_loadu_epi8(c + 1 < chunks ? ~0ull : tail, px + c * 64);
                for (int o = 0; o < Out; o++)
                    acc[o] = _mm512_dpbusd_epi32(acc[o], x, _mm512_loadu_si512(wt + o * stride + c * 64));
            }
        }
    }
    for (int o = 0; o < Out; o++) out[o] = lane_sum(acc[o]);
}

// Four pixels side by side, as named accumulators: GCC spills an array of them to the stack at every tap.
#define ADABM_DP4(o, wv) \
    a0##o = _mm512_dpbusd_epi32(a0##o, x0, wv); a1##o = _mm512_dpbusd_epi32(a1##o, x1, wv); \
    a2##o = _mm512_dpbusd_epi32(a2##o, x2, wv); a3##o = _mm512_dpbusd_epi32(a3##o, x3, wv)

template <int Out>
ADABM_VNNI inline void four_pixels(const uint8_t* q, const int8_t* weights, int64_t h, int64_t w, int64_t inC, int64_t chunks,
                                   int64_t kh, int64_t kw, int64_t iy0, int64_t ix0, int32_t* out) {
    const __m512i z = _mm512_setzero_si512();
    __m512i a00 = z, a10 = z, a20 = z, a30 = z, a01 = z, a11 = z, a21 = z, a31 = z;
    __m512i a02 = z, a12 = z, a22 = z, a32 = z, a03 = z, a13 = z, a23 = z, a33 = z;
    const int64_t stride = chunks * 64;
    const __mmask64 tail = inC % 64 ? (~0ull >> (64 - inC % 64)) : ~0ull;
    for (int64_t ky = 0; ky < kh; ky++) {
        const int64_t iy = iy0 + ky;
        if (iy < 0 || iy >= h) continue;
        const uint8_t* row = q + iy * w * inC;
        for (int64_t kx = 0; kx < kw; kx++) {
            const int64_t ix = ix0 + kx;
            const int8_t* wt = weights + (ky * kw + kx) * Out * stride;
            for (int64_t c = 0; c < chunks; c++) {
                const __mmask64 m = c + 1 < chunks ? ~0ull : tail;
                const uint8_t* at = row + ix * inC + c * 64;
                // outside the image: code 0, as oneDNN's padding
                const __m512i x0 = _mm512_maskz_loadu_epi8(ix >= 0 && ix < w ? m : 0, at);
                const __m512i x1 = _mm512_maskz_loadu_epi8(ix + 1 >= 0 && ix + 1 < w ? m : 0, at + inC);
                const __m512i x2 = _mm512_maskz_loadu_epi8(ix + 2 >= 0 && ix + 2 < w ? m : 0, at + 2 * inC);
                const __m512i x3 = _mm512_maskz_loadu_epi8(ix + 3 >= 0 && ix + 3 < w ? m : 0, at + 3 * inC);
                const int8_t* wc = wt + c * 64;
                ADABM_DP4(0, _mm512_loadu_si512(wc));
                if constexpr (Out > 1) { ADABM_DP4(1, _mm512_loadu_si512(wc + stride)); }
                if constexpr (Out > 2) { ADABM_DP4(2, _mm512_loadu_si512(wc + 2 * stride)); }
                if constexpr (Out > 3) { ADABM_DP4(3, _mm512_loadu_si512(wc + 3 * stride)); }
            }
        }
    }
    const __m512i acc[4][4] = {{a00, a01, a02, a03}, {a10, a11, a12, a13}, {a20, a21, a22, a23}, {a30, a31, a32, a33}};
    for (int p = 0; p < 4; p++)
        for (int o = 0; o < Out; o++) out[p * Out + o] = lane_sum(acc[p][o]);
}
#undef ADABM_DP4

template <int Out>
ADABM_VNNI void run_all(const uint8_t* q, const int8_t* weights, int64_t n, int64_t h, int64_t w, int64_t inC,
                        int64_t chunks, int64_t kh, int64_t kw, int64_t padT, int64_t padL, int64_t ho, int64_t wo,
                        int32_t* acc) {
#pragma omp parallel for schedule(static) collapse(2) if (n * ho * wo * kh * kw * chunks > (1 << 16))
    for (int64_t ni = 0; ni < n; ni++)
        for (int64_t yo = 0; yo < ho; yo++) {
            const uint8_t* image = q + ni * h * w * inC;
            int32_t* rowOut = acc + (ni * ho + yo) * wo * Out;
            int64_t xo = 0;
            for (; xo + 4 <= wo; xo += 4)
                four_pixels<Out>(image, weights, h, w, inC, chunks, kh, kw, yo - padT, xo - padL, rowOut + xo * Out);
            for (; xo < wo; xo++)
                one_pixel<Out>(image, weights, h, w, inC, chunks, kh, kw, yo - padT, xo - padL, rowOut + xo * Out);
        }
}

}  // namespace

bool FewOutConv::applies(const QuantConvShape& s) {
    if (s.groups != 1 || s.outC > kMaxOut) return false;
    // the CPU has it and oneDNN's ISA cap (ONEDNN_MAX_CPU_ISA) allows it
    const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa()), vnni512 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_vnni);
    return (isa & vnni512) == vnni512 &&   // dnnl_cpu_isa_t values are bit sets of features
           __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw");
}

FewOutConv::FewOutConv(const QuantConvShape& s, const int8_t* codes)
    : inC_(s.inC), outC_(s.outC), kh_(s.kh), kw_(s.kw), padT_(s.padT), padL_(s.padL), padB_(s.padB), padR_(s.padR),
      chunks_((s.inC + 63) / 64) {
    const int64_t taps = kh_ * kw_, stride = chunks_ * 64;
    weights_.assign(size_t(taps * outC_ * stride), 0);
    for (int64_t o = 0; o < outC_; o++)
        for (int64_t i = 0; i < inC_; i++)
            for (int64_t t = 0; t < taps; t++)
                weights_[size_t((t * outC_ + o) * stride + i)] = codes[(o * inC_ + i) * taps + t];
}

void FewOutConv::run(const uint8_t* q, int64_t n, int64_t h, int64_t w, int32_t* acc) const {
    const int64_t ho = h + padT_ + padB_ - kh_ + 1, wo = w + padL_ + padR_ - kw_ + 1;
    const int8_t* wt = weights_.data();
    switch (outC_) {
        case 1: run_all<1>(q, wt, n, h, w, inC_, chunks_, kh_, kw_, padT_, padL_, ho, wo, acc); break;
        case 2: run_all<2>(q, wt, n, h, w, inC_, chunks_, kh_, kw_, padT_, padL_, ho, wo, acc); break;
        case 3: run_all<3>(q, wt, n, h, w, inC_, chunks_, kh_, kw_, padT_, padL_, ho, wo, acc); break;
        default: run_all<4>(q, wt, n, h, w, inC_, chunks_, kh_, kw_, padT_, padL_, ho, wo, acc); break;
    }
}

}  // namespace adabm
