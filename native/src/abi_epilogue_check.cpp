// Test hook of the int8 conv epilogue (int8_epilogue.h): runs it on chosen accumulators with the portable loops or
// the default path (the AVX-512 one pass where the CPU has it), so a test compares the two bit for bit, and both with
// Java's formulas, on values a real network rarely produces (quantizer thresholds, NaN, infinities).
#include "abi_guard.h"
#include "epilogue_avx512.h"
#include "int8_epilogue.h"
#include <algorithm>
#include <cmath>
#include <vector>

extern "C" int32_t adabm_epilogue_check(int32_t portable, int32_t pixels, int32_t channels, const int32_t* acc,
                                        const int32_t* acc_low, const int32_t* pixel_sums, double scale, double border_coef,
                                        const int64_t* tap_sums, const float* bias, int32_t n_stages, const int32_t* stage_kinds,
                                        const float* stage_a, const float* stage_b, const float* stage_other, int32_t n_sinks,
                                        const float* sink_bounds, const int32_t* sink_bits, float* out, uint8_t* codes,
                                        int32_t* used_fast) {
    using namespace adabm;
    return guarded([&] {
        if (pixels < 1 || channels < 1 || n_stages < 0 || n_stages > 16 || n_sinks < 0 || n_sinks > 8)
            throw ArgumentError("epilogue check: pixels, channels >= 1, 0..16 stages, 0..8 sinks");
        if (!acc || !tap_sums || !bias || !used_fast || (n_stages && (!stage_kinds || !stage_a || !stage_b || !stage_other)) ||
            (n_sinks && (!sink_bounds || !sink_bits || !codes)) || (!out && !n_sinks))
            throw ArgumentError("epilogue check: a needed array is null");
        const int64_t count = int64_t(pixels) * channels;
        QuantEpilogue e;
        e.n = 1; e.h = 1; e.w = pixels; e.ho = 1; e.wo = pixels; e.outC = channels; e.groups = 1;
        e.kh = 1; e.kw = 1;                         // a 1x1 conv: every tap inside the image
        e.acc = acc;
        e.accLow = acc_low;
        e.scale = scale;
        e.borderCoef = border_coef;
        e.bias = bias;
        std::vector<int64_t> prefix(size_t(channels) * 4, 0);  // (kh+1) x (kw+1) per channel: only the full sum counts
        for (int32_t o = 0; o < channels; o++) prefix[size_t(o) * 4 + 3] = tap_sums[o];
        e.tapPrefix = prefix.data();
        std::vector<int64_t> integral;
        if (pixel_sums) {  // bw = 8: the window sum of pixel x is its own code sum (row 0 of the integral image is 0)
            integral.assign(size_t(2 * (pixels + 1)), 0);
            for (int32_t x = 0; x < pixels; x++) integral[size_t(pixels + 1 + x + 1)] = integral[size_t(pixels + 1 + x)] + pixel_sums[x];
            e.integral = integral.data();
        }
        std::vector<ChainStage> stages(static_cast<size_t>(n_stages));
        for (int32_t s = 0; s < n_stages; s++) {
            ChainStage& st = stages[size_t(s)];
            const int32_t k = stage_kinds[s];
            if ((k & 3) == 0) st.kind = ChainStage::Kind::Affine;
            else if ((k & 3) == 1) st.kind = ChainStage::Kind::PRelu;
            else st.kind = (k & 3) == 2 ? ChainStage::Kind::Add : ChainStage::Kind::Sub;
            st.valueFirst = !(k & 4);
            st.uniform = (k & 8) != 0;
            st.a.assign(stage_a + int64_t(s) * channels, stage_a + int64_t(s + 1) * channels);
            st.b.assign(stage_b + int64_t(s) * channels, stage_b + int64_t(s + 1) * channels);
            st.other = stage_other + s * count;
        }
        std::vector<CodeSink> sinks(static_cast<size_t>(n_sinks));
        for (int32_t k = 0; k < n_sinks; k++) {
            const float l = sink_bounds[2 * k], u = sink_bounds[2 * k + 1];
            const int bits = sink_bits[k] & 255;
            if (!std::isfinite(l) || !std::isfinite(u) || !(l < u) || bits < 1 || bits > 8)
                throw ArgumentError("epilogue check: sink bounds need finite l < u and bits 1..8");
            sinks[size_t(k)] = CodeSink{codes + k * count, l, u, bits, (sink_bits[k] & 256) != 0};
        }
        if (portable & 2) {  // the float result written over stage 0's operand, as QuantPlan's in-place residual adds
            if (!out || n_stages < 1 || !stages[0].other) throw ArgumentError("epilogue check: in place needs out and a stage");
            std::copy(stage_other, stage_other + count, out);
            stages[0].other = out;
        }
        e.stages = &stages;
        e.sinks = &sinks;
        e.out = out;
        e.portable = (portable & 1) != 0;
        apply_epilogue(e);
        *used_fast = !e.portable && fast_epilogue_available() &&
                     (channels % 16 == 0 || fast_epilogue_flat_ok(channels, 1, stages));
    });
}
