// The non-conv ops as tight OpenMP loops over dense NHWC float32 tensors (pixel-major, channels fastest).
// n is the batch; shapes are per sample. Outputs never alias inputs.
#pragma once
#include "shapes.h"
#include <cstdint>
#include <vector>

namespace adabm {

// y = x >= 0 ? x : slope[c] * x, with slopes of 1 or C entries (relu: one slope of 0).
void prelu_nhwc(const float* x, float* y, int64_t n, const Shape& s, const float* slopes, size_t slopeCount);
// y = x * scale[c] + shift[c]; scale and shift have 1 or C entries
void affine_nhwc(const float* x, float* y, int64_t n, const Shape& s, const float* scale, size_t scaleCount,
                 const float* shift, size_t shiftCount);
void add_nhwc(const float* a, const float* b, float* y, int64_t elements);
void sub_nhwc(const float* a, const float* b, float* y, int64_t elements);
void concat_nhwc(const std::vector<const float*>& parts, const std::vector<int64_t>& channels, float* y, int64_t n,
                 const Shape& out);
void depth_to_space_nhwc(const float* x, float* y, int64_t n, const Shape& in, int block, bool dcr);
// the same permutation of u8 codes (quantizing commutes with it)
void depth_to_space_nhwc(const uint8_t* x, uint8_t* y, int64_t n, const Shape& in, int block, bool dcr);
void pad_nhwc(const float* x, float* y, int64_t n, const Shape& in, int top, int left, int bottom, int right,
              bool edge, float value);
void resize_nearest_nhwc(const float* x, float* y, int64_t n, const Shape& in, int scale);
// a plan's input and output: the caller's NCHW tensor to or from the plan's NHWC one (s: per sample)
void nchw_to_nhwc(const float* x, float* y, int64_t n, const Shape& s);
void nhwc_to_nchw(const float* x, float* y, int64_t n, const Shape& s);

}  // namespace adabm
