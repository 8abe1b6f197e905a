// The backend-independent half of QuantConv (int8_conv.h): argument checks, the weight codes and tap sums of
// ADABM.md §2, and the epilogue's description of a run. The s32 accumulators come from the backend's file.
#include "int8_conv.h"
#include "errors.h"
#include "int8_epilogue.h"
#include "weight_codes.h"
#include <algorithm>
#include <climits>
#include <cmath>
#include <string>

namespace adabm {

namespace {
std::string str(int64_t v) { return std::to_string(v); }
}  // namespace

QuantConv::QuantConv(const QuantConvShape& shape, const float* weight, const float* bias, int threads)
    : s_(shape), threads_(threads) {
    const QuantConvShape& s = s_;
    if (s.inC <= 0 || s.outC <= 0 || s.kh <= 0 || s.kw <= 0 || s.groups <= 0)
        throw ArgumentError("qconv: channels, kernel size and groups must be positive");
    if (s.inC > 65536 || s.outC > 65536 || s.kh > 64 || s.kw > 64)
        throw ArgumentError("qconv: channels (<= 65536) or kernel size (<= 64) out of range");
    if (s.padT < 0 || s.padL < 0 || s.padB < 0 || s.padR < 0 || s.padT >= s.kh || s.padB >= s.kh || s.padL >= s.kw || s.padR >= s.kw)
        throw ArgumentError("qconv: each padding must be in [0, kernel size)");
    if (s.inC % s.groups || s.outC % s.groups)
        throw ArgumentError("qconv: " + str(s.groups) + " groups do not divide " + str(s.inC) + " -> " + str(s.outC) + " channels");
    if (!weight || !bias) throw ArgumentError("qconv: weight or bias is null");
    // the s32 accumulator holds at most (inC/groups)*kh*kw products of |q| <= 255 and |code| <= 255
    if ((s.inC / s.groups) * s.kh * s.kw * 255 * 255 > INT32_MAX)
        throw ArgumentError("qconv: " + str(s.inC / s.groups) + " channels x " + str(s.kh) + "x" + str(s.kw) +
                            " taps could overflow the s32 accumulator");
    const size_t count = size_t(s.outC * (s.inC / s.groups) * s.kh * s.kw);
    weight_.assign(weight, weight + count);
    bias_.assign(bias, bias + s.outC);
    for (float v : weight_) if (!std::isfinite(v)) throw ArgumentError("qconv: weight has a non-finite value");
    for (float v : bias_) if (!std::isfinite(v)) throw ArgumentError("qconv: bias has a non-finite value");
}

// engine_'s deleter is defined in the backend's file, so the backend's Engine need not be complete here
QuantConv::~QuantConv() { liveTag = 0; }

void QuantConv::set_weight_bits(float uw, int bw) {
    if (bw < 1 || bw > 8) throw ArgumentError("qconv: weight bits " + std::to_string(bw) + " not in 1..8");
    if (!(uw > 0) || !std::isfinite(uw)) throw ArgumentError("qconv: weight bound uw must be positive and finite");
    const int64_t levels = (int64_t(1) << bw) - 1;
    const int64_t taps = s_.kh * s_.kw, perOut = (s_.inC / s_.groups) * taps, stride = s_.kw + 1;
    std::vector<int8_t> codes(weight_.size());
    std::vector<int64_t> prefix(size_t(s_.outC * (s_.kh + 1) * stride), 0);
    for (int64_t o = 0; o < s_.outC; o++) {
        std::vector<int64_t> tapSum(size_t(taps), 0);
        for (int64_t j = 0; j < perOut; j++) {
            const size_t at = size_t(o * perOut + j);
            const int64_t k = weight_level(weight_[at], uw, levels), c = 2 * k - levels;
            codes[at] = int8_t(bw == 8 ? k - 128 : c);
            tapSum[size_t(j % taps)] += c;
        }
        int64_t* P = prefix.data() + o * (s_.kh + 1) * stride;
        for (int64_t r = 0; r < s_.kh; r++)
            for (int64_t q = 0; q < s_.kw; q++)
                P[(r + 1) * stride + q + 1] = tapSum[size_t(r * s_.kw + q)] + P[r * stride + q + 1] + P[(r + 1) * stride + q] - P[r * stride + q];
    }
    // not runnable (check_run refuses) until the backend has taken the new codes: should weights_changed throw,
    // run() must not reach a backend engine that was never made or still holds the old codes
    bw_ = 0;
    maxAbsCode_ = 0;
    for (int8_t v : codes) maxAbsCode_ = std::max<int64_t>(maxAbsCode_, std::abs(int(v)));
    primitiveCodes_ = std::move(codes);
    tapPrefix_ = std::move(prefix);
    sw_ = weight_step(uw, levels);
    weights_changed();
    bw_ = bw;
}

void QuantConv::output_size(int64_t h, int64_t w, int64_t* ho, int64_t* wo) const {
    if (h <= 0 || w <= 0 || h > (int64_t(1) << 20) || w > (int64_t(1) << 20))
        throw ShapeError("qconv: input " + str(h) + "x" + str(w) + " is out of range");
    *ho = h + s_.padT + s_.padB - s_.kh + 1;
    *wo = w + s_.padL + s_.padR - s_.kw + 1;
    if (*ho <= 0 || *wo <= 0)
        throw ShapeError("qconv: input " + str(h) + "x" + str(w) + " is smaller than the " + str(s_.kh) + "x" + str(s_.kw) + " kernel");
}

void QuantConv::init_shape(ShapeCommon& st, int64_t n, int64_t h, int64_t w) const {
    st.n = n; st.h = h; st.w = w;
    output_size(h, w, &st.ho, &st.wo);
    // n*h*w*channels > 2^34, written so that nothing overflows (n <= 65536 and h, w <= 2^20 are checked before)
    if (n * h * w > (int64_t(1) << 34) / std::max(s_.inC, s_.outC)) throw ShapeError("qconv: batch too large");
}

int32_t* QuantConv::accumulators(ShapeCommon& st, int32_t* scratch) const {
    if (scratch) return scratch;
    if (!st.acc) st.acc = allocate_floats(size_t(st.n * st.ho * st.wo * s_.outC));  // as many s32
    return reinterpret_cast<int32_t*>(st.acc.get());
}

void QuantConv::check_run(const uint8_t* codes, int64_t n, float l, float u, int bits, const float* out,
                          const uint8_t* codesOut, const Requantizer* next) const {
    if (bw_ == 0) throw ArgumentError("qconv: weights are not quantized yet (set the weight bits first)");
    if (!codes) throw ArgumentError("qconv: input codes are null");
    if (n <= 0 || n > 65536) throw ShapeError("qconv: batch size " + str(n) + " is out of range");
    if (bits < 1 || bits > 8) throw ArgumentError("qconv: activation bits " + std::to_string(bits) + " not in 1..8");
    if (!std::isfinite(l) || !std::isfinite(u) || !(l < u)) throw ArgumentError("qconv: activation bounds need finite l < u");
    if (next) {
        if (next->bits < 1 || next->bits > 8) throw ArgumentError("qconv: next bits " + std::to_string(next->bits) + " not in 1..8");
        if (!std::isfinite(next->l) || !std::isfinite(next->u) || !(next->l < next->u))
            throw ArgumentError("qconv: next activation bounds need finite l < u");
        if (!codesOut) throw ArgumentError("qconv: requantization asked for but the code output is null");
    } else if (!out) {
        throw ArgumentError("qconv: neither a float output nor a requantization");
    }
}

QuantEpilogue QuantConv::epilogue(ShapeCommon& st, float l, float sa, const uint8_t* codes, const Requantizer* next,
                                  uint8_t* codesOut) {
    QuantEpilogue e;
    e.n = st.n; e.h = st.h; e.w = st.w; e.ho = st.ho; e.wo = st.wo; e.outC = s_.outC; e.groups = s_.groups;
    e.kh = s_.kh; e.kw = s_.kw; e.padT = s_.padT; e.padL = s_.padL;
    e.tapPrefix = tapPrefix_.data();
    e.bias = bias_.data();
    e.scale = double(sa) * sw_;          // float32 x float32: exact in double
    e.borderCoef = sw_ * double(l);      // likewise
    if (bw_ == 8) {
        st.integral.resize(size_t(st.n * s_.groups * (st.h + 1) * (st.w + 1)));
        group_integral_images(codes, st.n, st.h, st.w, s_.inC, s_.groups, st.integral.data());
        e.integral = st.integral.data();
    }
    if (next) {
        sinks_.assign(1, CodeSink{codesOut, next->l, next->u, next->bits, next->relu});
        e.sinks = &sinks_;
    }
    return e;
}

}  // namespace adabm
