#include "simple_ops.h"
#include "fused_chain.h"
#include "vector_clones.h"
#include <algorithm>
#include <cstring>
#include <omp.h>

namespace adabm {

namespace {
// below this many floats a parallel region costs more than it saves
constexpr int64_t kParallelMin = 1 << 15;
}

// The element-wise ops are one-op chains of fused_chain.h: the same vectorised (and per-ISA cloned) loops, and the
// same arithmetic the integer plan's fused passes use.
namespace {
std::vector<float> expand(const float* v, size_t count, int64_t c) {
    std::vector<float> out(static_cast<size_t>(c));
    for (int64_t k = 0; k < c; k++) out[size_t(k)] = v[count == 1 ? 0 : size_t(k)];
    return out;
}

void unary(const float* x, float* y, int64_t n, const Shape& s, ChainStage stage) {
    ChainHead head;
    head.inputs = {x};
    run_chain(head, {std::move(stage)}, {}, y, n, s);
}

void binary(ChainHead::Kind kind, const float* a, const float* b, float* y, int64_t elements) {
    ChainHead head;
    head.kind = kind;
    head.inputs = {a, b};
    run_chain(head, {}, {}, y, 1, Shape{1, 1, elements});
}
}  // namespace

void prelu_nhwc(const float* x, float* y, int64_t n, const Shape& s, const float* slopes, size_t slopeCount) {
    ChainStage stage;
    stage.kind = ChainStage::Kind::PRelu;
    stage.a = expand(slopes, slopeCount, s.c);
    stage.uniform = slopeCount == 1;
    unary(x, y, n, s, std::move(stage));
}

void affine_nhwc(const float* x, float* y, int64_t n, const Shape& s, const float* scale, size_t scaleCount,
                 const float* shift, size_t shiftCount) {
    ChainStage stage;
    stage.kind = ChainStage::Kind::Affine;
    stage.a = expand(scale, scaleCount, s.c);
    stage.b = expand(shift, shiftCount, s.c);
    unary(x, y, n, s, std::move(stage));
}

void add_nhwc(const float* a, const float* b, float* y, int64_t elements) { binary(ChainHead::Kind::Add, a, b, y, elements); }

void sub_nhwc(const float* a, const float* b, float* y, int64_t elements) { binary(ChainHead::Kind::Sub, a, b, y, elements); }

void concat_nhwc(const std::vector<const float*>& parts, const std::vector<int64_t>& channels, float* y, int64_t n,
                 const Shape& out) {
    const int64_t pixels = n * out.pixels(), c = out.c;
    const size_t count = parts.size();
#pragma omp parallel for schedule(static) if (pixels * c > kParallelMin)
    for (int64_t p = 0; p < pixels; p++) {
        float* yp = y + p * c;
        for (size_t i = 0; i < count; i++) {
            const int64_t ci = channels[i];
            std::memcpy(yp, parts[i] + p * ci, size_t(ci) * sizeof(float));
            yp += ci;
        }
    }
}

namespace {

#define ADABM_INLINE inline __attribute__((always_inline))  // into the cloned row functions, compiled for their ISA

// CRD (PixelShuffle): out[c] of sub-pixel q = i*b + j is in[c*b*b + q]. One input pixel is read once, contiguously,
// and scattered to its b*b output pixels; with b fixed at compile time the loop over c vectorises (a de-interleave).
template <typename T, int B>
ADABM_INLINE void crd_pixel(const T* xp, T* const* yq, int64_t oc) {
    T* d[B * B];  // a local copy: a u8 store could alias yq itself and would force a reload per element
    for (int q = 0; q < B * B; q++) d[q] = yq[q];
    for (int64_t k = 0; k < oc; k++)
        for (int q = 0; q < B * B; q++) d[q][k] = xp[k * B * B + q];
}

// one input row r (= sample * in.h + y) of any element type: float activations, or the u8 codes of the integer plan
template <typename T>
ADABM_INLINE void depth_to_space_row(const T* x, T* y, int64_t r, const Shape& in, int64_t b, bool dcr, T** yq) {
    const int64_t oc = in.c / (b * b), ow = in.w * b, bb = b * b;
    for (int64_t xx = 0; xx < in.w; xx++) {
        const T* xp = x + (r * in.w + xx) * in.c;
        for (int64_t i = 0; i < b; i++)
            for (int64_t j = 0; j < b; j++) yq[i * b + j] = y + ((r * b + i) * ow + xx * b + j) * oc;
        if (dcr) {  // out[c] of sub-pixel q = in[q*oc + c]: one contiguous run each
            for (int64_t q = 0; q < bb; q++) std::memcpy(yq[q], xp + q * oc, size_t(oc) * sizeof(T));
        } else if (b == 2) {
            crd_pixel<T, 2>(xp, yq, oc);
        } else if (b == 3) {
            crd_pixel<T, 3>(xp, yq, oc);
        } else {
            for (int64_t k = 0; k < oc; k++)
                for (int64_t q = 0; q < bb; q++) yq[q][k] = xp[k * bb + q];
        }
    }
}

ADABM_VECTOR_CLONES
void depth_to_space_row_f32(const float* x, float* y, int64_t r, const Shape& in, int64_t b, bool dcr, float** yq) {
    depth_to_space_row(x, y, r, in, b, dcr, yq);
}

ADABM_VECTOR_CLONES
void depth_to_space_row_u8(const uint8_t* x, uint8_t* y, int64_t r, const Shape& in, int64_t b, bool dcr, uint8_t** yq) {
    depth_to_space_row(x, y, r, in, b, dcr, yq);
}

template <typename T, typename Row>
void depth_to_space_any(const T* x, T* y, int64_t n, const Shape& in, int block, bool dcr, Row row) {
    const int64_t b = block, rows = n * in.h;
    std::vector<T*> yq(size_t(b * b) * size_t(omp_get_max_threads()));  // per thread: the output pixel of each sub-pixel
#pragma omp parallel for schedule(static) if (rows * in.w * in.c > kParallelMin)
    for (int64_t r = 0; r < rows; r++) row(x, y, r, in, b, dcr, yq.data() + size_t(omp_get_thread_num()) * size_t(b * b));
}

}  // namespace

void depth_to_space_nhwc(const float* x, float* y, int64_t n, const Shape& in, int block, bool dcr) {
    depth_to_space_any(x, y, n, in, block, dcr, depth_to_space_row_f32);
}

void depth_to_space_nhwc(const uint8_t* x, uint8_t* y, int64_t n, const Shape& in, int block, bool dcr) {
    depth_to_space_any(x, y, n, in, block, dcr, depth_to_space_row_u8);
}

void pad_nhwc(const float* x, float* y, int64_t n, const Shape& in, int top, int left, int bottom, int right,
              bool edge, float value) {
    const int64_t oh = in.h + top + bottom, ow = in.w + left + right, c = in.c, rows = n * oh;
    const size_t rowBytes = size_t(in.w * c) * sizeof(float);
#pragma omp parallel for schedule(static) if (rows * ow * c > kParallelMin)
    for (int64_t r = 0; r < rows; r++) {
        const int64_t s = r / oh, oy = r % oh;
        float* yrow = y + r * ow * c;
        int64_t sy = oy - top;
        bool outside = sy < 0 || sy >= in.h;
        if (outside && !edge) {
            std::fill(yrow, yrow + ow * c, value);
            continue;
        }
        sy = std::min(std::max(sy, int64_t(0)), in.h - 1);
        const float* xrow = x + (s * in.h + sy) * in.w * c;
        std::memcpy(yrow + int64_t(left) * c, xrow, rowBytes);
        for (int64_t ox = 0; ox < left; ox++) {
            if (edge) std::memcpy(yrow + ox * c, xrow, size_t(c) * sizeof(float));
            else std::fill(yrow + ox * c, yrow + (ox + 1) * c, value);
        }
        for (int64_t ox = left + in.w; ox < ow; ox++) {
            if (edge) std::memcpy(yrow + ox * c, xrow + (in.w - 1) * c, size_t(c) * sizeof(float));
            else std::fill(yrow + ox * c, yrow + (ox + 1) * c, value);
        }
    }
}

void resize_nearest_nhwc(const float* x, float* y, int64_t n, const Shape& in, int scale) {
    const int64_t s = scale, oh = in.h * s, ow = in.w * s, c = in.c, rows = n * oh;
#pragma omp parallel for schedule(static) if (rows * ow * c > kParallelMin)
    for (int64_t r = 0; r < rows; r++) {
        const int64_t sample = r / oh, oy = r % oh;
        const float* xrow = x + (sample * in.h + oy / s) * in.w * c;
        float* yrow = y + r * ow * c;
        for (int64_t ox = 0; ox < ow; ox++) std::memcpy(yrow + ox * c, xrow + (ox / s) * c, size_t(c) * sizeof(float));
    }
}

void nchw_to_nhwc(const float* x, float* y, int64_t n, const Shape& s) {
    const int64_t plane = s.h * s.w, rows = n * s.h;
#pragma omp parallel for schedule(static) if (rows * s.w * s.c > kParallelMin)
    for (int64_t r = 0; r < rows; r++) {
        const float* xr = x + (r / s.h) * s.c * plane + (r % s.h) * s.w;
        float* yr = y + r * s.w * s.c;
        for (int64_t i = 0; i < s.w; i++)
            for (int64_t c = 0; c < s.c; c++) yr[i * s.c + c] = xr[c * plane + i];
    }
}

void nhwc_to_nchw(const float* x, float* y, int64_t n, const Shape& s) {
    const int64_t plane = s.h * s.w, rows = n * s.h;
#pragma omp parallel for schedule(static) if (rows * s.w * s.c > kParallelMin)
    for (int64_t r = 0; r < rows; r++) {
        const float* xr = x + r * s.w * s.c;
        float* yr = y + (r / s.h) * s.c * plane + (r % s.h) * s.w;
        for (int64_t c = 0; c < s.c; c++)
            for (int64_t i = 0; i < s.w; i++) yr[c * plane + i] = xr[i * s.c + c];
    }
}

}  // namespace adabm
