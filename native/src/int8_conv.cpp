#include "int8_conv.h"
#include "errors.h"
#include "int8_epilogue.h"
#include "threads.h"
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

namespace adabm {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

struct QuantConv::ShapeState {
    int64_t n = 0, h = 0, w = 0, ho = 0, wo = 0;
    dnnl::convolution_forward primitive;
    memory::desc src, dst, weights, scratch;
    AlignedBuffer scratchpad;                 // oneDNN's, sized by the primitive
    AlignedBuffer ownOutput;                  // float output when the caller wants codes only
    std::vector<int64_t> integral;            // bw = 8 window sums
    std::string implementation;
};

namespace {

std::string str(int64_t v) { return std::to_string(v); }

memory::desc weight_desc(const QuantConvShape& s, dt type, tag layout) {
    return s.groups == 1 ? memory::desc({s.outC, s.inC, s.kh, s.kw}, type, layout)
                         : memory::desc({s.groups, s.outC / s.groups, s.inC / s.groups, s.kh, s.kw}, type,
                                        layout == tag::any ? tag::any : tag::goihw);
}

}  // namespace

QuantConv::QuantConv(const QuantConvShape& shape, const float* weight, const float* bias, int threads)
    : s_(shape), threads_(threads), engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
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
    const size_t count = size_t(s.outC * (s.inC / s.groups) * s.kh * s.kw);
    weight_.assign(weight, weight + count);
    bias_.assign(bias, bias + s.outC);
    for (float v : weight_) if (!std::isfinite(v)) throw ArgumentError("qconv: weight has a non-finite value");
    for (float v : bias_) if (!std::isfinite(v)) throw ArgumentError("qconv: bias has a non-finite value");
}

QuantConv::~QuantConv() { liveTag = 0; }

void QuantConv::set_weight_bits(float uw, int bw) {
    if (bw < 1 || bw > 8) throw ArgumentError("qconv: weight bits " + std::to_string(bw) + " not in 1..8");
    if (!(uw > 0) || !std::isfinite(uw)) throw ArgumentError("qconv: weight bound uw must be positive and finite");
    const int64_t levels = (int64_t(1) << bw) - 1;
    const double bound = uw;
    const int64_t taps = s_.kh * s_.kw, perOut = (s_.inC / s_.groups) * taps, stride = s_.kw + 1;
    std::vector<int8_t> codes(weight_.size());
    std::vector<int64_t> prefix(size_t(s_.outC * (s_.kh + 1) * stride), 0);
    for (int64_t o = 0; o < s_.outC; o++) {
        std::vector<int64_t> tapSum(size_t(taps), 0);
        for (int64_t j = 0; j < perOut; j++) {
            const size_t at = size_t(o * perOut + j);
            // ADABM.md §2, in double so the Java oracle's identical expression gives the identical code
            const double clamped = std::min(std::max(double(weight_[at]), -bound), bound);
            const int64_t k = int64_t(std::nearbyint((clamped + bound) / (2 * bound) * double(levels)));
            const int64_t c = 2 * k - levels;
            codes[at] = int8_t(bw == 8 ? k - 128 : c);
            tapSum[size_t(j % taps)] += c;
        }
        int64_t* P = prefix.data() + o * (s_.kh + 1) * stride;
        for (int64_t r = 0; r < s_.kh; r++)
            for (int64_t q = 0; q < s_.kw; q++)
                P[(r + 1) * stride + q + 1] = tapSum[size_t(r * s_.kw + q)] + P[r * stride + q + 1] + P[(r + 1) * stride + q] - P[r * stride + q];
    }
    primitiveCodes_ = std::move(codes);
    tapPrefix_ = std::move(prefix);
    reordered_.clear();
    bw_ = bw;
    sw_ = bound / double(levels);
}

void QuantConv::output_size(int64_t h, int64_t w, int64_t* ho, int64_t* wo) const {
    if (h <= 0 || w <= 0 || h > (int64_t(1) << 20) || w > (int64_t(1) << 20))
        throw ShapeError("qconv: input " + str(h) + "x" + str(w) + " is out of range");
    *ho = h + s_.padT + s_.padB - s_.kh + 1;
    *wo = w + s_.padL + s_.padR - s_.kw + 1;
    if (*ho <= 0 || *wo <= 0)
        throw ShapeError("qconv: input " + str(h) + "x" + str(w) + " is smaller than the " + str(s_.kh) + "x" + str(s_.kw) + " kernel");
}

memory QuantConv::weights_for(const memory::desc& want) {
    for (auto& [desc, mem] : reordered_)
        if (desc == want) return mem;
    memory user(weight_desc(s_, dt::s8, tag::oihw), engine_, primitiveCodes_.data());
    memory dst(want, engine_);
    dnnl::reorder(user, dst).execute(stream_, user, dst);
    stream_.wait();
    reordered_.emplace_back(want, dst);
    return dst;
}

QuantConv::ShapeState& QuantConv::state_for(int64_t n, int64_t h, int64_t w) {
    for (auto it = shapes_.begin(); it != shapes_.end(); ++it)
        if ((*it)->n == n && (*it)->h == h && (*it)->w == w) {
            shapes_.splice(shapes_.begin(), shapes_, it);
            return *shapes_.front();
        }
    if (shapes_.size() >= kMaxCachedShapes) shapes_.pop_back();
    auto st = std::make_unique<ShapeState>();
    st->n = n; st->h = h; st->w = w;
    output_size(h, w, &st->ho, &st->wo);
    if (n * h * w * std::max(s_.inC, s_.outC) > (int64_t(1) << 34)) throw ShapeError("qconv: batch too large");
    st->src = memory::desc({n, s_.inC, h, w}, dt::u8, tag::nhwc);
    st->dst = memory::desc({n, s_.outC, st->ho, st->wo}, dt::f32, tag::nhwc);
    dnnl::primitive_attr attr;
    attr.set_scales_mask(DNNL_ARG_SRC, 0);      // runtime, per tensor: any activation bit width
    attr.set_scales_mask(DNNL_ARG_WEIGHTS, 0);  // runtime, per tensor: any weight bit width
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    dnnl::convolution_forward::primitive_desc pd(engine_, dnnl::prop_kind::forward_inference,
        dnnl::algorithm::convolution_direct, st->src, weight_desc(s_, dt::s8, tag::any),
        memory::desc({s_.outC}, dt::f32, tag::x), st->dst, {1, 1}, {s_.padT, s_.padL}, {s_.padB, s_.padR}, attr);
    st->primitive = dnnl::convolution_forward(pd);
    st->weights = pd.weights_desc();
    st->scratch = pd.scratchpad_desc();
    st->scratchpad = allocate_floats(st->scratch.get_size() / sizeof(float) + 1);
    st->implementation = pd.impl_info_str();
    shapes_.push_front(std::move(st));
    return *shapes_.front();
}

void QuantConv::run(const uint8_t* codes, int64_t n, int64_t h, int64_t w, float l, float u, int bits, float* out,
                    uint8_t* codesOut, const Requantizer* next) {
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
    ThreadScope threads(threads_);
    ShapeState& st = state_for(n, h, w);
    if (!out) {
        if (!st.ownOutput) st.ownOutput = allocate_floats(size_t(n * st.ho * st.wo * s_.outC));
        out = st.ownOutput.get();
    }

    const double sa = (double(u) - double(l)) / double((int64_t(1) << bits) - 1);
    const int64_t stride = s_.kw + 1, tapPlane = (s_.kh + 1) * stride;
    std::vector<float> bias(size_t(s_.outC));
    for (int64_t o = 0; o < s_.outC; o++)  // interior: every tap inside, S_in = the full code sum
        bias[size_t(o)] = float(double(bias_[size_t(o)]) + sw_ * double(l) * double(tapPrefix_[size_t(o * tapPlane + s_.kh * stride + s_.kw)]));
    float srcScale = float(sa), weiScale = float(bw_ == 8 ? 2 * sw_ : sw_);

    memory::desc scalar({1}, dt::f32, tag::x);
    std::unordered_map<int, memory> args;
    args[DNNL_ARG_SRC] = memory(st.src, engine_, const_cast<uint8_t*>(codes));
    args[DNNL_ARG_WEIGHTS] = weights_for(st.weights);
    args[DNNL_ARG_BIAS] = memory(memory::desc({s_.outC}, dt::f32, tag::x), engine_, bias.data());
    args[DNNL_ARG_DST] = memory(st.dst, engine_, out);
    args[DNNL_ARG_ATTR_SCALES | DNNL_ARG_SRC] = memory(scalar, engine_, &srcScale);
    args[DNNL_ARG_ATTR_SCALES | DNNL_ARG_WEIGHTS] = memory(scalar, engine_, &weiScale);
    args[DNNL_ARG_SCRATCHPAD] = memory(st.scratch, engine_, st.scratchpad.get());
    st.primitive.execute(stream_, args);
    stream_.wait();
    lastImpl_ = st.implementation;

    QuantEpilogue e;
    e.n = n; e.h = h; e.w = w; e.ho = st.ho; e.wo = st.wo; e.outC = s_.outC; e.groups = s_.groups;
    e.kh = s_.kh; e.kw = s_.kw; e.padT = s_.padT; e.padL = s_.padL;
    e.out = out;
    e.tapPrefix = tapPrefix_.data();
    e.borderCoef = sw_ * double(l);
    if (bw_ == 8) {
        st.integral.resize(size_t(n * s_.groups * (h + 1) * (w + 1)));
        group_integral_images(codes, n, h, w, s_.inC, s_.groups, st.integral.data());
        e.integral = st.integral.data();
        e.windowCoef = float(sa * sw_);
    }
    if (next) {
        e.codes = codesOut;
        e.nextL = next->l; e.nextU = next->u; e.nextBits = next->bits;
    }
    apply_epilogue(e);
}

}  // namespace adabm
