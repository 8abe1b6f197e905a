// The exact end of the integer conv (ADABM.md §8): oneDNN has written the s32 accumulator acc = sum of q*c' over
// the taps inside the image (c' = c for bw <= 7; k - 128 for bw = 8, with c = 2c' + 1). This pass turns it into the
// fake-quantized conv's value, computed exactly and rounded once to float32:
//   A = sum of q*c  (bw = 8: 2*acc + sum of q under the window; pre-VNNI split: acc = 2*high + low first)
//   v = float(s_a*s_w * A + (s_w*l * S_in + bias)),  S_in = sum of the weight codes c of the taps inside the image,
// in double, in this order - the same expression, operation for operation, as Java's ExactQuantConv (the oracle),
// so both give the same float32. Then the float ops fused after the conv (ReLU, PReLU, batch-norm affine, residual
// add) and the next layer's codes, by the fused-chain stages and sinks (fused_chain.h: RefKernels' float32 ops,
// Java's quantizer formula). The pass may cover just a rectangle of the output (the border strips of the direct u8
// path, int8_conv.cpp).
#pragma once
#include "fused_chain.h"
#include <cstdint>
#include <vector>

namespace adabm {

struct QuantEpilogue {
    int64_t n = 0, h = 0, w = 0;          // input
    int64_t ho = 0, wo = 0, outC = 0, groups = 1;
    int64_t kh = 0, kw = 0, padT = 0, padL = 0;

    // the output rectangle [y0, y1) x [x0, x1) this pass covers (y1 = x1 = 0: all of it); acc and out hold just
    // that rectangle, densely, while codes and the border geometry stay in whole-output coordinates
    int64_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;

    const int32_t* acc = nullptr;          // NHWC s32 accumulators of the rectangle
    const int32_t* accLow = nullptr;       // pre-VNNI split only: the low-bit half; acc is then the high half

    double scale = 0;                      // s_a * s_w (two float32 values: exact in double)
    double borderCoef = 0;                 // s_w * l   (exact in double)
    const float* bias = nullptr;           // outC
    // per output channel: 2D prefix sums of the per-tap weight-code sums, (kh+1) x (kw+1) each
    const int64_t* tapPrefix = nullptr;

    // bw = 8 only: per (image, group) integral image of the group's channel-summed codes, (h+1) x (w+1)
    const int64_t* integral = nullptr;

    const std::vector<ChainStage>* stages = nullptr;  // applied in order after the conv's value (null: none)
    const std::vector<CodeSink>* sinks = nullptr;     // codes written from the result (null: none; whole-output layout)

    float* out = nullptr;                  // optional NHWC float32 values of the rectangle (after the stages); may be
                                           // a stage's operand itself (then written in place, each value after its read)

    bool portable = false;                 // never the AVX-512 one-pass path (epilogue_avx512.h): tests compare both
};

void apply_epilogue(const QuantEpilogue& e);

// Integral images of the channel sums of each group of NHWC u8 codes: out holds n*groups*(h+1)*(w+1) values.
void group_integral_images(const uint8_t* q, int64_t n, int64_t h, int64_t w, int64_t c, int64_t groups, int64_t* out);

}  // namespace adabm
