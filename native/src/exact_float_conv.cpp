#include "exact_float_conv.h"
#include "vector_clones.h"
#include <algorithm>

namespace adabm {

namespace {

// acc[o] += w[o] * x for the outputs of one group: the product of two float32 values is exact in double, so an FMA
// would not change the sum either; built with -ffp-contract=off anyway.
ADABM_VECTOR_CLONES
void tap(double* acc, const double* w, double x, int64_t count) {
    for (int64_t o = 0; o < count; o++) acc[o] += w[o] * x;
}

}  // namespace

ExactFloatConv::ExactFloatConv(const ConvParams& p, const float* weight, const float* bias) : p_(p) {
    const int64_t cg = p.inC / p.groups, og = p.outC / p.groups, taps = int64_t(p.kh) * p.kw;
    weightT_.resize(size_t(p.outC * cg * taps));
    for (int64_t o = 0; o < p.outC; o++) {
        const int64_t g = o / og, oi = o % og;
        for (int64_t i = 0; i < cg; i++)
            for (int64_t t = 0; t < taps; t++)
                weightT_[size_t(((g * cg + i) * taps + t) * og + oi)] = double(weight[(o * cg + i) * taps + t]);
    }
    bias_.assign(bias, bias + p.outC);
}

void ExactFloatConv::run(const float* x, float* y, int64_t n, int64_t h, int64_t w) const {
    const ConvParams& p = p_;
    const int64_t ho = h + p.padT + p.padB - p.kh + 1, wo = w + p.padL + p.padR - p.kw + 1;
    const int64_t cg = p.inC / p.groups, og = p.outC / p.groups, taps = int64_t(p.kh) * p.kw;
#pragma omp parallel
    {
        std::vector<double> acc(static_cast<size_t>(p.outC));
#pragma omp for schedule(static) collapse(2)
        for (int64_t ni = 0; ni < n; ni++)
            for (int64_t yo = 0; yo < ho; yo++)
                for (int64_t xo = 0; xo < wo; xo++) {
                    std::copy(bias_.begin(), bias_.end(), acc.begin());
                    for (int64_t g = 0; g < p.groups; g++)
                        for (int64_t i = 0; i < cg; i++)
                            for (int64_t ky = 0; ky < p.kh; ky++) {
                                const int64_t iy = yo + ky - p.padT;
                                if (iy < 0 || iy >= h) continue;
                                for (int64_t kx = 0; kx < p.kw; kx++) {
                                    const int64_t ix = xo + kx - p.padL;
                                    if (ix < 0 || ix >= w) continue;
                                    const double v = double(x[((ni * h + iy) * w + ix) * p.inC + g * cg + i]);
                                    tap(acc.data() + g * og, weightT_.data() + ((g * cg + i) * taps + ky * p.kw + kx) * og, v, og);
                                }
                            }
                    float* out = y + ((ni * ho + yo) * wo + xo) * p.outC;
                    for (int64_t o = 0; o < p.outC; o++) out[o] = float(acc[size_t(o)]);
                }
    }
}

}  // namespace adabm
