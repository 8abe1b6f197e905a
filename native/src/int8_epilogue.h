// The part of the exact integer conv (ADABM.md §8) that oneDNN cannot express: after the u8 x s8 primitive has
// written out = s_a*s_w*acc + bias + s_w*l*S_full (exact for every output whose window lies inside the image),
//  - border ring: out += s_w*l*(S_in - S_full), S_in = sum of the weight codes of the taps inside the image;
//  - bw = 8 (weights split as c = 2(k-128) + 1): out += s_a*s_w * (sum of q - zp under the window, zp the src zero point);
//  - optional requantization to the next layer's activation codes (optional ReLU, clamp, round half to even).
// One pass over the output when the last two are needed, else only over the border ring. The pass may also
// cover just a rectangle of the output (the border strips of the direct u8 path, int8_conv.cpp).
#pragma once
#include <cstdint>

namespace adabm {

struct QuantEpilogue {
    int64_t n = 0, h = 0, w = 0;          // input
    int64_t ho = 0, wo = 0, outC = 0, groups = 1;
    int64_t kh = 0, kw = 0, padT = 0, padL = 0;
    float* out = nullptr;                  // NHWC float32 of the region below, in place

    // the output rectangle [y0, y1) x [x0, x1) this pass covers (y1 = x1 = 0: all of it); out holds just that
    // rectangle, densely, while codes and the border geometry stay in whole-output coordinates
    int64_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;

    // per output channel: 2D prefix sums of the per-tap weight-code sums, (kh+1) x (kw+1) each
    const int64_t* tapPrefix = nullptr;
    double borderCoef = 0;                 // s_w * l

    // bw = 8 only: per (image, group) integral image of the group's channel-summed codes, (h+1) x (w+1)
    const int64_t* integral = nullptr;
    float windowCoef = 0;                  // s_a * s_w
    int64_t windowZero = 0;                // the src zero point times the channels per group: sum (q - zp) per tap

    // requantization (codes == nullptr: none)
    uint8_t* codes = nullptr;
    float nextL = 0, nextU = 0;
    int nextBits = 0;
    bool nextRelu = false;                 // a ReLU before the next quantizer
};

void apply_epilogue(const QuantEpilogue& e);

// Integral images of the channel sums of each group of NHWC u8 codes: out holds n*groups*(h+1)*(w+1) values.
void group_integral_images(const uint8_t* q, int64_t n, int64_t h, int64_t w, int64_t c, int64_t groups, int64_t* out);

}  // namespace adabm
