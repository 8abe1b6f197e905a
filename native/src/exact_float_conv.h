// A float32 convolution whose every output is the exact sum rounded once: bias + sum over input channels, kernel
// rows, kernel columns (in that order, taps outside the image skipped) of w*x, in double - products of two
// float32 values are exact in double, so the result is bit for bit what Java's ExactConvKernels computes. The
// integer plan runs the float convs whose output reaches a quantizer this way (body mode's head conv): a float32
// conv's summation error would move that quantizer's codes wherever a value sits on a rounding tie.
// NHWC activations, stride 1, groups allowed. Memory-bound small convs only: it is a direct loop, not a GEMM.
#pragma once
#include "plan_format.h"
#include <cstdint>
#include <vector>

namespace adabm {

class ExactFloatConv {
public:
    // weight: OIHW (outC x inC/groups x kh x kw), bias: outC; both copied
    ExactFloatConv(const ConvParams& p, const float* weight, const float* bias);

    // x: n x h x w x inC, y: n x ho x wo x outC (the padded output size)
    void run(const float* x, float* y, int64_t n, int64_t h, int64_t w) const;

private:
    ConvParams p_;
    std::vector<double> weightT_;  // per group: [inC/groups][kh][kw][outC/groups]
    std::vector<double> bias_;
};

}  // namespace adabm
