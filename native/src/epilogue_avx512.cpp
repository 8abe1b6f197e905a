#include "epilogue_avx512.h"
#include <algorithm>
#include <immintrin.h>
// GCC 12's own AVX-512 intrinsic headers (512 -> 256 casts) trip -Wmaybe-uninitialized
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace adabm {

namespace {

#define ADABM_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl")))

constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;

// float(scale * double(a) + base) for 16 lanes: two halves of 8 doubles, each rounded once to float32
ADABM_AVX512 inline __m512 exact_values(__m512i a, __m512d scale, const double* base) {
    const __m512d lo = _mm512_add_pd(_mm512_mul_pd(scale, _mm512_cvtepi32_pd(_mm512_castsi512_si256(a))), _mm512_loadu_pd(base));
    const __m512d hi = _mm512_add_pd(_mm512_mul_pd(scale, _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(a, 1))),
                                     _mm512_loadu_pd(base + 8));
    const __m256 flo = _mm512_cvt_roundpd_ps(lo, kNearest), fhi = _mm512_cvt_roundpd_ps(hi, kNearest);
    return _mm512_insertf32x8(_mm512_castps256_ps512(flo), fhi, 1);
}

// one stage on the 16 values of channels [o, o + 16) at element i of the whole output; the operand loads of add and
// sub read only the lanes in `lanes` (a flat block's last vector)
ADABM_AVX512 inline __m512 stage(const FastStage& s, __m512 v, int64_t o, int64_t i, __mmask16 lanes = 0xffff) {
    switch (s.kind) {
        case ChainStage::Kind::Affine:
            return _mm512_add_ps(_mm512_mul_ps(v, _mm512_loadu_ps(s.a + o)), _mm512_loadu_ps(s.b + o));
        case ChainStage::Kind::PRelu: {
            const __m512 slope = s.uniform ? _mm512_set1_ps(s.a[0]) : _mm512_loadu_ps(s.a + o);
            const __m512 m = _mm512_mul_ps(slope, v);
            return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GE_OQ), m, v);  // v >= 0 ? v : m
        }
        case ChainStage::Kind::Add: {
            const __m512 x = _mm512_maskz_loadu_ps(lanes, s.other + i);
            return s.valueFirst ? _mm512_add_ps(v, x) : _mm512_add_ps(x, v);
        }
        case ChainStage::Kind::Sub: {
            const __m512 x = _mm512_maskz_loadu_ps(lanes, s.other + i);
            return s.valueFirst ? _mm512_sub_ps(v, x) : _mm512_sub_ps(x, v);
        }
    }
    return v;
}

// the quantizer constants of one sink, broadcast
struct SinkRegs {
    uint8_t* codes;
    __m512 lower, u, l, range, levels;
};

// activation_codes_run's codes of 16 values as s32: min(u, max(lower, x)) (vmaxps returns its second operand when
// the first is NaN, as std::max(lower, x) does), (c - l) / range * levels, then rint by a round-to-nearest-even
// conversion (t is in [0, levels])
ADABM_AVX512 inline __m512i code_lanes(const SinkRegs& k, __m512 v) {
    const __m512 c = _mm512_min_ps(_mm512_max_ps(v, k.lower), k.u);
    const __m512 t = _mm512_mul_ps(_mm512_div_ps(_mm512_sub_ps(c, k.l), k.range), k.levels);
    return _mm512_cvt_roundps_epi32(t, kNearest);
}

ADABM_AVX512 inline void codes(const SinkRegs& k, __m512 v, int64_t i) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(k.codes + i), _mm512_cvtepi32_epi8(code_lanes(k, v)));
}

// The block's stages and sinks as locals (sinks with their bounds broadcast): see run_block
ADABM_AVX512 inline void copy_locals(const FastBlock& b, FastStage* stages, SinkRegs* sinks) {
    for (int s = 0; s < b.nStages; s++) stages[s] = b.stages[s];
    for (int s = 0; s < b.nSinks; s++) {
        const FastSink& k = b.sinks[s];
        sinks[s] = SinkRegs{k.codes, _mm512_set1_ps(k.lower), _mm512_set1_ps(k.u), _mm512_set1_ps(k.l),
                            _mm512_set1_ps(k.range), _mm512_set1_ps(k.levels)};
    }
}

// Everything the loop reads is copied to locals first: the u8 code stores may alias any memory, so fields read
// through the block would be reloaded after every store.
template <bool Low, bool Window, int MaxStages, int MaxSinks>
ADABM_AVX512 void run_block(const FastBlock& b) {
    const __m512d scale = _mm512_set1_pd(b.scale);
    const int32_t* const acc = b.acc;
    const int32_t* const low = b.low;
    const int32_t* const pixelWindows = b.pixelWindows;
    const double* const base = b.base;
    float* const out = b.out;
    const int64_t pixels = b.pixels, outC = b.outC, off = b.off;
    const int64_t groupChannels = b.groupChannels, groups = Window ? outC / groupChannels : 1;
    const int nStages = b.nStages, nSinks = b.nSinks;
    FastStage stages[MaxStages > 0 ? MaxStages : 1];
    SinkRegs sinks[MaxSinks > 0 ? MaxSinks : 1];
    copy_locals(b, stages, sinks);
    // bw = 8: one window sum per pixel and group, added to every channel of the group
    const int64_t groupCount = groups, span = Window ? groupChannels : outC;
    for (int64_t p = 0; p < pixels; p++)
        for (int64_t g = 0; g < groupCount; g++) {
            const __m512i win = Window ? _mm512_set1_epi32(pixelWindows[p * groups + g]) : _mm512_setzero_si512();
            for (int64_t o = g * span; o < (g + 1) * span; o += 16) {
                const int64_t at = p * outC + o, i = off + at;
                __m512i a = _mm512_loadu_si512(acc + at);
                if (Low) a = _mm512_add_epi32(_mm512_add_epi32(a, a), _mm512_loadu_si512(low + at));
                if (Window) a = _mm512_add_epi32(_mm512_add_epi32(a, a), win);
                __m512 v = exact_values(a, scale, base + o);
                for (int s = 0; s < (MaxStages > 0 ? nStages : 0); s++) v = stage(stages[s], v, o, i);
                if (out) _mm512_storeu_ps(out + at, v);
                for (int s = 0; s < (MaxSinks > 0 ? nSinks : 0); s++) codes(sinks[s], v, i);
            }
        }
}

// Fewer than 16 channels (a network's last conv, 64 -> 3): the block's pixels * outC values as one flat array, 16
// pixels (outC vectors) at a time, the last vector masked. Lane j of vector k of a chunk holds value 16k + j: channel
// (16k + j) % outC of pixel (16k + j) / outC. Stages carry no per-channel parameters here (fast_epilogue_flat_ok).
template <bool Low, bool Window, int MaxStages, int MaxSinks>
ADABM_AVX512 void run_flat(const FastBlock& b) {
    const __m512d scale = _mm512_set1_pd(b.scale);
    const int32_t* const acc = b.acc;
    const int32_t* const low = b.low;
    const int32_t* const pixelWindows = b.pixelWindows;
    float* const out = b.out;
    const int64_t pixels = b.pixels, outC = b.outC, off = b.off, total = pixels * outC;
    const int nStages = b.nStages, nSinks = b.nSinks;
    FastStage stages[MaxStages > 0 ? MaxStages : 1];
    SinkRegs sinks[MaxSinks > 0 ? MaxSinks : 1];
    copy_locals(b, stages, sinks);
    alignas(64) double base[16 * 16];   // base of each lane of each vector of a chunk
    alignas(64) int32_t pixelOf[16 * 16];  // pixel within the chunk of each lane of each vector
    for (int64_t f = 0; f < 16 * outC; f++) {
        base[f] = b.base[f % outC];
        pixelOf[f] = int32_t(f / outC);
    }
    for (int64_t c0 = 0, p0 = 0; c0 < total; c0 += 16 * outC, p0 += 16) {
        const int64_t chunkPixels = std::min<int64_t>(16, pixels - p0);
        const __m512i wins = Window ? _mm512_maskz_loadu_epi32(__mmask16((1u << chunkPixels) - 1), pixelWindows + p0)
                                    : _mm512_setzero_si512();
        for (int64_t k = 0; k < outC; k++) {
            const int64_t at = c0 + 16 * k, i = off + at;
            if (at >= total) break;
            const __mmask16 lanes = total - at >= 16 ? __mmask16(0xffff) : __mmask16((1u << (total - at)) - 1);
            __m512i a = _mm512_maskz_loadu_epi32(lanes, acc + at);
            if (Low) a = _mm512_add_epi32(_mm512_add_epi32(a, a), _mm512_maskz_loadu_epi32(lanes, low + at));
            if (Window) a = _mm512_add_epi32(_mm512_add_epi32(a, a), _mm512_permutexvar_epi32(_mm512_load_si512(pixelOf + 16 * k), wins));
            __m512 v = exact_values(a, scale, base + 16 * k);
            for (int s = 0; s < (MaxStages > 0 ? nStages : 0); s++) v = stage(stages[s], v, 0, i, lanes);
            if (out) _mm512_mask_storeu_ps(out + at, lanes, v);
            for (int s = 0; s < (MaxSinks > 0 ? nSinks : 0); s++)
                _mm_mask_storeu_epi8(sinks[s].codes + i, lanes, _mm512_cvtepi32_epi8(code_lanes(sinks[s], v)));
        }
    }
}

template <bool Low, bool Window>
void run_sized(const FastBlock& b) {
    if (b.outC % 16) {
        if (b.nStages <= 4 && b.nSinks <= 2) run_flat<Low, Window, 4, 2>(b);
        else run_flat<Low, Window, kMaxFastStages, kMaxFastSinks>(b);
        return;
    }
    if (b.nStages == 0 && b.nSinks <= 1) run_block<Low, Window, 0, 1>(b);
    else if (b.nStages <= 1 && b.nSinks <= 1) run_block<Low, Window, 1, 1>(b);
    else if (b.nStages <= 4 && b.nSinks <= 2) run_block<Low, Window, 4, 2>(b);
    else run_block<Low, Window, kMaxFastStages, kMaxFastSinks>(b);
}

}  // namespace

bool fast_epilogue_available() {
    static const bool available = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                                  __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    return available;
}

FastSink fast_sink(const CodeSink& s) {
    FastSink k;
    k.codes = s.codes;
    k.l = s.l;
    k.u = s.u;
    k.lower = s.relu ? std::max(s.l, 0.f) : s.l;  // as activation_codes_run
    k.range = s.u - s.l;
    k.levels = float((1 << s.bits) - 1);
    return k;
}

FastStage fast_stage(const ChainStage& s) {
    FastStage f;
    f.kind = s.kind;
    f.a = s.a.data();
    f.b = s.b.data();
    f.other = s.other;
    f.valueFirst = s.valueFirst;
    f.uniform = s.uniform;
    return f;
}

bool fast_epilogue_flat_ok(int64_t outC, int64_t groups, const std::vector<ChainStage>& stages) {
    if (outC >= 16 || groups != 1) return false;
    for (const ChainStage& s : stages)
        if (s.kind == ChainStage::Kind::Affine || (s.kind == ChainStage::Kind::PRelu && !s.uniform)) return false;
    return true;
}

void fast_epilogue_block(const FastBlock& b) {
    if (b.low && b.pixelWindows) run_sized<true, true>(b);
    else if (b.low) run_sized<true, false>(b);
    else if (b.pixelWindows) run_sized<false, true>(b);
    else run_sized<false, false>(b);
}

}  // namespace adabm
