#include "int8_epilogue.h"
#include "epilogue_avx512.h"
#include "vector_clones.h"
#include <algorithm>
#include <vector>

namespace adabm {

namespace {

// below this many output values a parallel region costs more than it saves
constexpr int64_t kParallelMin = 1 << 15;

inline int64_t rect(const int64_t* table, int64_t stride, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
    return table[r1 * stride + c1] - table[r0 * stride + c1] - table[r1 * stride + c0] + table[r0 * stride + c0];
}

// A run of pixels' outC values each: the exact integer sum, then the double expression of int8_epilogue.h, rounded
// once. All sums fit int32 (QuantConv's constructor bounds the taps). Every pixel of a run shares base (its S_in
// term) and window.
template <bool Low, bool Window>
inline __attribute__((always_inline)) void values_of(const int32_t* acc, const int32_t* low, const int32_t* window,
                                                    const double* base, double scale, int64_t pixels, int64_t outC, float* v) {
    for (int64_t p = 0; p < pixels; p++)
        for (int64_t o = 0; o < outC; o++) {
            const int64_t i = p * outC + o;
            int32_t a = acc[i];
            if (Low) a = 2 * a + low[i];
            if (Window) a = 2 * a + window[o];
            v[i] = float(scale * double(a) + base[o]);
        }
}

// low: the pre-VNNI split's low half, or null; window: the bw = 8 window sums, or null
ADABM_VECTOR_CLONES
void values(const int32_t* acc, const int32_t* low, const int32_t* window, const double* base, double scale,
            int64_t pixels, int64_t outC, float* v) {
    if (low && window) values_of<true, true>(acc, low, window, base, scale, pixels, outC, v);
    else if (low) values_of<true, false>(acc, low, window, base, scale, pixels, outC, v);
    else if (window) values_of<false, true>(acc, low, window, base, scale, pixels, outC, v);
    else values_of<false, false>(acc, low, window, base, scale, pixels, outC, v);
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
    static const std::vector<ChainStage> noStages;
    static const std::vector<CodeSink> noSinks;
    const std::vector<ChainStage>& stages = e.stages ? *e.stages : noStages;
    const std::vector<CodeSink>& sinks = e.sinks ? *e.sinks : noSinks;
    if (!e.out && sinks.empty()) return;
    const int64_t outC = e.outC, og = outC / e.groups, tapStride = e.kw + 1, tapPlane = (e.kh + 1) * (e.kw + 1);
    const int64_t plane = (e.h + 1) * (e.w + 1);
    const int64_t y0 = e.y0, y1 = e.y1 ? e.y1 : e.ho, x0 = e.x0, x1 = e.x1 ? e.x1 : e.wo;
    const int64_t rectW = x1 - x0;
    // every tap inside the image: S_in is the full tap sum
    std::vector<double> interior(static_cast<size_t>(outC));
    for (int64_t o = 0; o < outC; o++)
        interior[size_t(o)] = e.borderCoef * double(e.tapPrefix[o * tapPlane + e.kh * tapStride + e.kw]) + double(e.bias[o]);
    // the one-pass AVX-512 path takes whole vectors of 16 channels (of one group, for the bw = 8 window sums), or
    // fewer than 16 channels as a flat array
    const bool fast = !e.portable && ((outC % 16 == 0 && (!e.integral || og % 16 == 0)) || fast_epilogue_flat_ok(outC, e.groups, stages)) &&
                      stages.size() <= size_t(kMaxFastStages) &&
                      sinks.size() <= size_t(kMaxFastSinks) && fast_epilogue_available();
    // the float result may be written over a stage operand (QuantPlan's in-place residual adds): the one pass reads
    // each operand value before writing the result there; the portable loops then make the row's values aside and
    // copy them over after the stages
    bool aliased = false;
    if (e.out) {
        const float* outEnd = e.out + e.n * (y1 - y0) * rectW * outC;
        for (const ChainStage& s : stages)
            if (s.other && s.other < outEnd && e.out < s.other + e.n * e.ho * e.wo * outC) aliased = true;
    }
    std::vector<FastStage> fastStages;
    std::vector<FastSink> fastSinks;
    if (fast) {
        for (const ChainStage& s : stages) fastStages.push_back(fast_stage(s));
        for (const CodeSink& k : sinks) fastSinks.push_back(fast_sink(k));
    }

#pragma omp parallel if (e.n * (y1 - y0) * rectW * outC > kParallelMin)
    {
        std::vector<double> border(static_cast<size_t>(outC));
        std::vector<float> v((e.out && !aliased) || fast ? 0 : static_cast<size_t>(rectW * outC));
        std::vector<int32_t> window(e.integral && !fast ? size_t(outC) : 0);
        std::vector<int32_t> pixelWindows(e.integral && fast ? size_t(rectW * e.groups) : 0);  // fast: per pixel, group
#pragma omp for schedule(static) collapse(2)
        for (int64_t ni = 0; ni < e.n; ni++)
            for (int64_t yo = y0; yo < y1; yo++) {
                // kernel rows whose input row lies inside the image, and the clipped input rows of the window
                const int64_t r0 = std::max<int64_t>(0, e.padT - yo), r1 = std::min(e.kh, e.h + e.padT - yo);
                const int64_t ya = std::clamp<int64_t>(yo - e.padT, 0, e.h), yb = std::clamp<int64_t>(yo - e.padT + e.kh, 0, e.h);
                const bool rowFull = r0 == 0 && r1 == e.kh;
                const int64_t rowAt = (ni * (y1 - y0) + yo - y0) * rectW;   // rectangle position of column x0
                float* rowValues = e.out && !aliased ? e.out + rowAt * outC : v.data();
                // count pixels from column xo on, sharing base (and window)
                const auto finish = [&](int64_t xo, int64_t count, const double* base) {
                    const int64_t at = (rowAt + xo - x0) * outC;
                    if (fast) {
                        if (e.integral)
                            for (int64_t p = 0; p < count; p++) {
                                const int64_t xa = std::clamp<int64_t>(xo + p - e.padL, 0, e.w);
                                const int64_t xb = std::clamp<int64_t>(xo + p - e.padL + e.kw, 0, e.w);
                                for (int64_t g = 0; g < e.groups; g++)
                                    pixelWindows[size_t(p * e.groups + g)] =
                                        int32_t(rect(e.integral + (ni * e.groups + g) * plane, e.w + 1, ya, yb, xa, xb));
                            }
                        FastBlock b;
                        b.acc = e.acc + at;
                        b.low = e.accLow ? e.accLow + at : nullptr;
                        b.pixelWindows = e.integral ? pixelWindows.data() : nullptr;
                        b.groupChannels = og;
                        b.base = base;
                        b.scale = e.scale;
                        b.pixels = count;
                        b.outC = outC;
                        b.off = ((ni * e.ho + yo) * e.wo + xo) * outC;
                        b.out = e.out ? e.out + at : nullptr;
                        b.stages = fastStages.data();
                        b.nStages = int(fastStages.size());
                        b.sinks = fastSinks.data();
                        b.nSinks = int(fastSinks.size());
                        fast_epilogue_block(b);
                        return;
                    }
                    float* vp = rowValues + (xo - x0) * outC;
                    values(e.acc + at, e.accLow ? e.accLow + at : nullptr, e.integral ? window.data() : nullptr, base,
                           e.scale, count, outC, vp);
                    // stage operands and codes are addressed in the whole output
                    run_stages(stages, sinks, vp, ((ni * e.ho + yo) * e.wo + xo) * outC, count, outC);
                    if (e.out && aliased) std::copy(vp, vp + count * outC, e.out + at);
                };
                // the columns whose window lies inside the image (given a full row) run as one block (the portable
                // path takes bw = 8 convs pixel by pixel: their window sums vary)
                int64_t inside0 = x1, inside1 = x1;
                if (rowFull && (!e.integral || fast)) {
                    inside0 = std::clamp<int64_t>(e.padL, x0, x1);
                    inside1 = std::clamp<int64_t>(e.w + e.padL - e.kw + 1, inside0, x1);
                    if (inside1 > inside0) finish(inside0, inside1 - inside0, interior.data());
                }
                for (int64_t xo = x0; xo < x1; xo++) {
                    if (xo == inside0) xo = inside1;
                    if (xo >= x1) break;
                    const int64_t c0 = std::max<int64_t>(0, e.padL - xo), c1 = std::min(e.kw, e.w + e.padL - xo);
                    const double* base = interior.data();
                    if (!(rowFull && c0 == 0 && c1 == e.kw)) {
                        for (int64_t o = 0; o < outC; o++)
                            border[size_t(o)] = e.borderCoef * double(rect(e.tapPrefix + o * tapPlane, tapStride, r0, r1, c0, c1)) +
                                                double(e.bias[o]);
                        base = border.data();
                    }
                    if (e.integral && !fast) {
                        const int64_t xa = std::clamp<int64_t>(xo - e.padL, 0, e.w), xb = std::clamp<int64_t>(xo - e.padL + e.kw, 0, e.w);
                        for (int64_t g = 0; g < e.groups; g++) {
                            const int32_t s = int32_t(rect(e.integral + (ni * e.groups + g) * plane, e.w + 1, ya, yb, xa, xb));
                            std::fill(window.begin() + g * og, window.begin() + (g + 1) * og, s);
                        }
                    }
                    finish(xo, 1, base);
                }
            }
    }
}

}  // namespace adabm
