#include "int8_epilogue.h"
#include <algorithm>

namespace adabm {

namespace {

// Round half to even for 0 <= t < 2^22 without a libm call, so the loop vectorises: adding 2^23 pushes the
// fraction out of the mantissa under the default rounding mode (built with -ffp-contract=off, no fast-math).
inline float round_half_even(float t) { return (t + 8388608.f) - 8388608.f; }

// below this many output values a parallel region costs more than it saves
constexpr int64_t kParallelMin = 1 << 15;

inline int64_t rect(const int64_t* table, int64_t stride, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    return table[r1 * stride + c1] - table[r0 * stride + c1] - table[r1 * stride + c0] + table[r0 * stride + c0];
}

}  // namespace

void group_integral_images(const uint8_t* q, int64_t n, int64_t h, int64_t w, int64_t c, int64_t groups, int64_t* out) {
    const int64_t cg = c / groups, plane = (h + 1) * (w + 1);
#pragma omp parallel for schedule(static) collapse(2) if (n * h * w * c > kParallelMin)
    for (int64_t ni = 0; ni < n; ni++)
        for (int64_t g = 0; g < groups; g++) {
            int64_t* I = out + (ni * groups + g) * plane;
            std::fill(I, I + w + 1, 0);
            for (int64_t y = 0; y < h; y++) {
                const uint8_t* row = q + ((ni * h + y) * w) * c + g * cg;
                int64_t* above = I + y * (w + 1);
                int64_t* cur = above + (w + 1);
                cur[0] = 0;
                int64_t run = 0;
                for (int64_t x = 0; x < w; x++) {
                    int32_t s = 0;
                    for (int64_t i = 0; i < cg; i++) s += row[x * c + i];
                    run += s;
                    cur[x + 1] = above[x + 1] + run;
                }
            }
        }
}

void apply_epilogue(const QuantEpilogue& e) {
    const bool fullPass = e.integral || e.codes;
    const int64_t og = e.outC / e.groups, tapStride = e.kw + 1, tapPlane = (e.kh + 1) * (e.kw + 1);
    const int64_t plane = (e.h + 1) * (e.w + 1);
    const int64_t nmax = e.codes ? (int64_t(1) << e.nextBits) - 1 : 0;
    const float hi = e.nextU;
    // relu(v) clamped to [l, u] is v clamped to [max(l, 0), u]; the code still counts steps from l
    const float lo = e.nextL, floor = e.nextRelu ? std::max(e.nextL, 0.f) : e.nextL;
    const float range = e.nextU - e.nextL, levels = float(nmax);
    const float top = float(nmax);
    const int64_t outC = e.outC;  // locals: stores through px/cp could alias e's fields and block vectorisation
    const int64_t y0 = e.y0, y1 = e.y1 ? e.y1 : e.ho, x0 = e.x0, x1 = e.x1 ? e.x1 : e.wo;

#pragma omp parallel for schedule(static) collapse(2) if (e.n * (y1 - y0) * (x1 - x0) * outC > kParallelMin)
    for (int64_t ni = 0; ni < e.n; ni++)
        for (int64_t yo = y0; yo < y1; yo++) {
            // kernel rows whose input row lies inside the image, and the clipped input rows of the window
            const int64_t r0 = std::max<int64_t>(0, e.padT - yo), r1 = std::min(e.kh, e.h + e.padT - yo);
            const int64_t ya = std::clamp<int64_t>(yo - e.padT, 0, e.h), yb = std::clamp<int64_t>(yo - e.padT + e.kh, 0, e.h);
            const bool rowFull = r0 == 0 && r1 == e.kh;
            for (int64_t xo = x0; xo < x1; xo++) {
                const int64_t c0 = std::max<int64_t>(0, e.padL - xo), c1 = std::min(e.kw, e.w + e.padL - xo);
                const bool border = !(rowFull && c0 == 0 && c1 == e.kw);
                if (!border && !fullPass) continue;
                float* px = e.out + ((ni * (y1 - y0) + yo - y0) * (x1 - x0) + xo - x0) * e.outC;
                if (border)
                    for (int64_t o = 0; o < outC; o++) {
                        const int64_t* P = e.tapPrefix + o * tapPlane;
                        const int64_t missing = rect(P, tapStride, r0, r1, c0, c1) - P[e.kh * tapStride + e.kw];
                        px[o] = float(double(px[o]) + e.borderCoef * double(missing));
                    }
                if (e.integral) {
                    const int64_t xa = std::clamp<int64_t>(xo - e.padL, 0, e.w), xb = std::clamp<int64_t>(xo - e.padL + e.kw, 0, e.w);
                    for (int64_t g = 0; g < e.groups; g++) {
                        const int64_t* I = e.integral + (ni * e.groups + g) * plane;
                        const float add = e.windowCoef * float(rect(I, e.w + 1, ya, yb, xa, xb) - e.windowZero * (yb - ya) * (xb - xa));
                        for (int64_t o = g * og; o < (g + 1) * og; o++) px[o] += add;
                    }
                }
                if (e.codes) {
                    uint8_t* cp = e.codes + ((ni * e.ho + yo) * e.wo + xo) * e.outC;
                    for (int64_t o = 0; o < outC; o++) {
                        // Java's Quantizers.activation in float32, operation for operation: a value the
                        // fake-quant forward puts exactly on a rounding tie lands on the same side here
                        const float t = (std::max(floor, std::min(px[o], hi)) - lo) / range * levels;  // NaN -> floor
                        cp[o] = uint8_t(std::min(round_half_even(t), top));
                    }
                }
            }
        }
}

}  // namespace adabm
