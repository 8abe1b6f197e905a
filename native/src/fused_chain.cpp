#include "fused_chain.h"
#include "activation_codes.h"
#include "vector_clones.h"
#include <algorithm>
#include <cstring>
#include <omp.h>

namespace adabm {

namespace {

constexpr int64_t kParallelMin = 1 << 15;  // below this many floats a parallel region costs more than it saves
constexpr int64_t kChunkFloats = 2048;     // 8 KiB of values per chunk: stays in L1 through every stage

#define ADABM_INLINE inline __attribute__((always_inline))  // into run_chunk's clones, compiled for their ISA

// The head's values for pixels [p0, p0 + np) (C channels each): in v, or (a Tensor head) the input itself.
ADABM_INLINE const float* head_values(const ChainHead& h, int64_t p0, int64_t np, int64_t C, const Shape& out, float* v) {
    const int64_t off = p0 * C, count = np * C;
    switch (h.kind) {
        case ChainHead::Kind::Tensor: return h.inputs[0] + off;
        case ChainHead::Kind::Add: {
            const float* a = h.inputs[0] + off;
            const float* b = h.inputs[1] + off;
            for (int64_t i = 0; i < count; i++) v[i] = a[i] + b[i];
            return v;
        }
        case ChainHead::Kind::Sub: {
            const float* a = h.inputs[0] + off;
            const float* b = h.inputs[1] + off;
            for (int64_t i = 0; i < count; i++) v[i] = a[i] - b[i];
            return v;
        }
        case ChainHead::Kind::Concat:
            for (int64_t p = 0; p < np; p++) {
                float* d = v + p * C;
                for (size_t i = 0; i < h.inputs.size(); i++) {
                    const int64_t ci = h.channels[i];
                    std::memcpy(d, h.inputs[i] + (p0 + p) * ci, size_t(ci) * sizeof(float));
                    d += ci;
                }
            }
            return v;
        case ChainHead::Kind::DepthToSpace: {  // a gather per output pixel: only for blocks above 8 (run_shuffle_block)
            const int64_t b = h.block, bb = b * b, plane = out.h * out.w, inC = h.in.c;
            for (int64_t p = 0; p < np; p++) {
                const int64_t q = p0 + p, sample = q / plane, oy = (q % plane) / out.w, ox = q % out.w;
                const float* xp = h.inputs[0] + ((sample * h.in.h + oy / b) * h.in.w + ox / b) * inC;
                const int64_t sub = (oy % b) * b + ox % b;
                float* d = v + p * C;
                if (h.dcr) std::memcpy(d, xp + sub * C, size_t(C) * sizeof(float));  // out[c] = in[sub*C + c]
                else for (int64_t k = 0; k < C; k++) d[k] = xp[k * bb + sub];        // CRD: in[c*b*b + sub]
            }
            return v;
        }
    }
    return v;
}

// y[p*C + k] = f(x[p*C + k], k) over np pixels; in place (x == y) or not (then they do not overlap), written as two
// loops so that each vectorises without aliasing checks
template <typename F>
ADABM_INLINE void per_channel_map(const float* x, float* y, int64_t np, int64_t C, F f) {
    if (x == y) {
        for (int64_t p = 0; p < np; p++) {
            float* v = y + p * C;
            for (int64_t k = 0; k < C; k++) v[k] = f(v[k], k);
        }
    } else {
        for (int64_t p = 0; p < np; p++) {
            const float* __restrict xs = x + p * C;
            float* __restrict ys = y + p * C;
            for (int64_t k = 0; k < C; k++) ys[k] = f(xs[k], k);
        }
    }
}

// One stage from src to dst (the same buffer, or disjoint) over np pixels starting at element offset off.
ADABM_INLINE void apply_stage(const ChainStage& s, const float* src, float* dst, int64_t off, int64_t np, int64_t C) {
    const float* __restrict a = s.a.data();
    const float* __restrict b = s.b.data();
    const int64_t count = np * C;
    switch (s.kind) {
        case ChainStage::Kind::Affine:  // two roundings, as affine_nhwc and the Java reference
            per_channel_map(src, dst, np, C, [&](float x, int64_t k) { const float m = x * a[k]; return m + b[k]; });
            break;
        case ChainStage::Kind::PRelu:   // as prelu_nhwc: slope * x, selected
            if (s.uniform) {            // one slope (ReLU, leaky ReLU): one flat loop
                const float slope = a[0];
                for (int64_t i = 0; i < count; i++) { const float v = src[i], m = slope * v; dst[i] = v >= 0.f ? v : m; }
            } else {
                per_channel_map(src, dst, np, C, [&](float v, int64_t k) { const float m = a[k] * v; return v >= 0.f ? v : m; });
            }
            break;
        case ChainStage::Kind::Add: {
            const float* __restrict o = s.other + off;
            if (s.valueFirst) for (int64_t i = 0; i < count; i++) dst[i] = src[i] + o[i];
            else for (int64_t i = 0; i < count; i++) dst[i] = o[i] + src[i];
            break;
        }
        case ChainStage::Kind::Sub: {
            const float* __restrict o = s.other + off;
            if (s.valueFirst) for (int64_t i = 0; i < count; i++) dst[i] = src[i] - o[i];
            else for (int64_t i = 0; i < count; i++) dst[i] = o[i] - src[i];
            break;
        }
    }
}

// Stages, store and codes for np pixels whose head values are at src (element offset off in the result); stages
// write to v (the float result's place, or src itself).
ADABM_INLINE void finish(const std::vector<ChainStage>& stages, const std::vector<CodeSink>& sinks, bool store,
                         const float* src, float* v, int64_t off, int64_t np, int64_t C) {
    for (const ChainStage& s : stages) {
        apply_stage(s, src, v, off, np, C);
        src = v;
    }
    if (store && src != v) std::memcpy(v, src, size_t(np * C) * sizeof(float));
    for (const CodeSink& k : sinks) activation_codes_run(src, k.codes + off, np * C, k.l, k.u, k.bits, k.relu);
}

// The whole chain over pixels [p0, p0 + np): values in v (the float result's place, or a scratch chunk).
ADABM_VECTOR_CLONES
void run_chunk(const ChainHead& head, const std::vector<ChainStage>& stages, const std::vector<CodeSink>& sinks,
               bool store, float* v, int64_t p0, int64_t np, const Shape& out) {
    const int64_t C = out.c;
    finish(stages, sinks, store, head_values(head, p0, np, C, out, v), v, p0 * C, np, C);
}

// CRD sub-pixel q of one input pixel: out[c] = in[c*B*B + q]; B fixed at compile time de-interleaves in vectors
template <int B>
ADABM_INLINE void crd_scatter(const float* xp, float* const* dq, int64_t C) {
    for (int64_t k = 0; k < C; k++)
        for (int q = 0; q < B * B; q++) dq[q][k] = xp[k * B * B + q];
}

// A pixel-shuffle head, input pixels [x0, x1) of input row r (= sample * in.h + input y) at a time: each input pixel
// is read once and scattered into scratch as b output row segments (row r*b + i, pixels x0*b .. x1*b - contiguous in
// the result), and the rest of the chain runs on each segment. The gather per output pixel that head_values does
// reads with a stride of b*b; this reads the (large) input once, in order.
ADABM_VECTOR_CLONES
void run_shuffle_block(const ChainHead& head, const std::vector<ChainStage>& stages, const std::vector<CodeSink>& sinks,
                       float* y, float* scratch, int64_t r, int64_t x0, int64_t x1, const Shape& out) {
    const int64_t b = head.block, bb = b * b, C = out.c, inC = head.in.c;
    const int64_t segPixels = (x1 - x0) * b, segFloats = segPixels * C;
    float* dq[64];
    for (int64_t xx = x0; xx < x1; xx++) {
        const float* xp = head.inputs[0] + (r * head.in.w + xx) * inC;
        for (int64_t i = 0; i < b; i++)
            for (int64_t j = 0; j < b; j++) dq[i * b + j] = scratch + i * segFloats + ((xx - x0) * b + j) * C;
        if (head.dcr) for (int64_t q = 0; q < bb; q++) std::memcpy(dq[q], xp + q * C, size_t(C) * sizeof(float));
        else if (b == 2) crd_scatter<2>(xp, dq, C);
        else if (b == 3) crd_scatter<3>(xp, dq, C);
        else for (int64_t k = 0; k < C; k++) for (int64_t q = 0; q < bb; q++) dq[q][k] = xp[k * bb + q];
    }
    for (int64_t i = 0; i < b; i++) {
        const int64_t p0 = (r * b + i) * out.w + x0 * b;
        float* seg = scratch + i * segFloats;
        finish(stages, sinks, y != nullptr, seg, y ? y + p0 * C : seg, p0 * C, segPixels, C);
    }
}

}  // namespace

ADABM_VECTOR_CLONES
void run_stages(const std::vector<ChainStage>& stages, const std::vector<CodeSink>& sinks, float* v, int64_t off,
                int64_t np, int64_t C) {
    finish(stages, sinks, true, v, v, off, np, C);
}

void run_stages_in_place(const std::vector<ChainStage>& stages, float* v, int64_t pixels, int64_t C) {
    if (pixels <= 0 || C <= 0 || stages.empty()) return;
    const int64_t chunkPixels = std::max<int64_t>(1, kChunkFloats / C);
    const int64_t chunks = (pixels + chunkPixels - 1) / chunkPixels;
#pragma omp parallel for schedule(static) if (pixels * C > kParallelMin)
    for (int64_t ch = 0; ch < chunks; ch++) {
        const int64_t p0 = ch * chunkPixels;
        finish(stages, {}, true, v + p0 * C, v + p0 * C, p0 * C, std::min(chunkPixels, pixels - p0), C);
    }
}

void run_chain(const ChainHead& head, const std::vector<ChainStage>& stages, const std::vector<CodeSink>& sinks,
               float* y, int64_t n, const Shape& out) {
    const int64_t C = out.c, pixels = n * out.pixels();
    if (pixels == 0 || C == 0) return;
    const bool parallel = pixels * C > kParallelMin;
    const int threads = parallel ? omp_get_max_threads() : 1;
    if (head.kind == ChainHead::Kind::DepthToSpace && head.block <= 8) {  // blocks of input pixels (dq holds b*b <= 64)
        const int64_t inC = head.in.c, rows = n * head.in.h;
        const int64_t xb = std::max<int64_t>(1, kChunkFloats / inC), perRow = (head.in.w + xb - 1) / xb;
        std::vector<float> scratch(size_t(xb * inC) * size_t(threads));  // allocated here: nothing may throw in a region
#pragma omp parallel if (parallel)
        {
            float* local = scratch.data() + size_t(omp_get_thread_num()) * size_t(xb * inC);
#pragma omp for schedule(static)
            for (int64_t task = 0; task < rows * perRow; task++) {
                const int64_t r = task / perRow, x0 = (task % perRow) * xb;
                run_shuffle_block(head, stages, sinks, y, local, r, x0, std::min(head.in.w, x0 + xb), out);
            }
        }
        return;
    }
    const int64_t chunkPixels = std::max<int64_t>(1, kChunkFloats / C), chunkFloats = chunkPixels * C;
    const int64_t chunks = (pixels + chunkPixels - 1) / chunkPixels;
    // per-thread chunk buffers when the float result is not stored
    std::vector<float> scratch(y ? 0 : size_t(chunkFloats) * size_t(threads));
#pragma omp parallel if (parallel)
    {
        float* local = y ? nullptr : scratch.data() + size_t(omp_get_thread_num()) * size_t(chunkFloats);
#pragma omp for schedule(static)
        for (int64_t ch = 0; ch < chunks; ch++) {
            const int64_t p0 = ch * chunkPixels;
            run_chunk(head, stages, sinks, y != nullptr, y ? y + p0 * C : local, p0, std::min(chunkPixels, pixels - p0), out);
        }
    }
}

}  // namespace adabm
