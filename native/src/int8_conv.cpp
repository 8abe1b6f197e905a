#include "int8_conv.h"
#include "errors.h"
#include "int8_epilogue.h"
#include "threads.h"
#include "weight_codes.h"
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>

namespace adabm {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

// One border strip of the direct u8 path: a dense copy of the input rectangle it needs, convolved to s32 by a
// small primitive with the strip's share of the padding, then finished and requantized by the epilogue.
struct Strip {
    int64_t row0 = 0, rows = 0, col0 = 0, cols = 0;  // input rectangle
    int64_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;          // output rectangle
    dnnl::convolution_forward primitive;
    memory::desc src, dst, weights, scratch;
    AlignedBuffer in, acc;
    std::string implementation;
};

struct QuantConv::ShapeState {
    int64_t n = 0, h = 0, w = 0, ho = 0, wo = 0;
    dnnl::convolution_forward primitive;      // u8 x s8 -> s32 (+ epilogue): exact, any bw
    memory::desc src, dst, weights, scratch;
    AlignedBuffer acc, accLow;                // s32 accumulators (accLow: the pre-VNNI split's low half)
    std::vector<int64_t> integral;            // bw = 8 window sums
    std::string implementation;

    // direct path (codes only, bw <= 7, the output has an interior): u8 x s8 -> u8 codes for the whole output
    // (right in the interior) and exact strips for the border ring; built on first use
    bool directBuilt = false;
    float directFloor = 0.f;                  // the clip's lower end the direct primitive was built with
    dnnl::convolution_forward direct;
    memory::desc directDst, directWeights, directScratch;
    std::vector<Strip> strips;
    std::string directImplementation;

    // pre-VNNI split (see needs_split): q = 2*(q >> 1) + (q & 1), the low bits added by a second conv (sum post-op)
    bool splitBuilt = false;
    dnnl::convolution_forward lowBits;
    memory::desc lowWeights, lowScratch;
    AlignedBuffer high, low;                  // the two halves of the input codes

};

namespace {

std::string str(int64_t v) { return std::to_string(v); }

memory::desc weight_desc(const QuantConvShape& s, dt type, tag layout) {
    return s.groups == 1 ? memory::desc({s.outC, s.inC, s.kh, s.kw}, type, layout)
                         : memory::desc({s.groups, s.outC / s.groups, s.inC / s.groups, s.kh, s.kw}, type,
                                        layout == tag::any ? tag::any : tag::goihw);
}

// the exact primitives: plain integer accumulators
dnnl::primitive_attr exact_attr() {
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return attr;
}

// u8 codes straight out of oneDNN: the pre-activation is normalised to (v - l')/(u' - l') through the runtime
// weight scale and bias, clipped to [floor, 1] (floor 0, or with a ReLU in between the normalised zero -l'/(u'-l')
// when that is above 0: a constant per next quantizer, independent of its bits), then multiplied by 2^b' - 1
// through the runtime dst scale and rounded half to even by the u8 conversion. The src zero point is the code
// nearest the real zero (see run_direct).
dnnl::primitive_attr direct_attr(float floor) {
    dnnl::primitive_attr attr = exact_attr();
    attr.set_scales_mask(DNNL_ARG_SRC, 0);      // runtime, per tensor: any activation bit width
    attr.set_scales_mask(DNNL_ARG_WEIGHTS, 0);  // runtime, per tensor: any weight bit width
    attr.set_zero_points_mask(DNNL_ARG_SRC, 0);
    attr.set_scales_mask(DNNL_ARG_DST, 0);
    dnnl::post_ops ops;
    ops.append_eltwise(dnnl::algorithm::eltwise_clip, floor, 1.f);
    attr.set_post_ops(ops);
    return attr;
}

// Without VNNI, oneDNN's u8 x s8 kernels add pairs of products in saturating s16 (vpmaddubsw): exact only while
// 2 * max q * max |code| <= 32767. VNNI and AMX accumulate in s32 directly.
bool has_vnni() {
    const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
    return (isa & 0x8u) || (isa & 0x40u);  // the avx2_vnni and avx512_core_vnni bits of dnnl_cpu_isa_t
}

}  // namespace

bool QuantConv::needs_split(int bits) const {
    return 2 * ((int64_t(1) << bits) - 1) * maxAbsCode_ > 32767 && !has_vnni();
}

dnnl::convolution_forward::primitive_desc QuantConv::make_pd(const memory::desc& src, const memory::desc& dst,
                                                             int64_t padT, int64_t padL, int64_t padB, int64_t padR,
                                                             const dnnl::primitive_attr& attr, bool withBias) const {
    return dnnl::convolution_forward::primitive_desc(engine_, dnnl::prop_kind::forward_inference,
        dnnl::algorithm::convolution_direct, src, weight_desc(s_, dt::s8, tag::any),
        withBias ? memory::desc({s_.outC}, dt::f32, tag::x) : memory::desc(), dst, {1, 1}, {padT, padL}, {padB, padR}, attr);
}

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

QuantConv::~QuantConv() { liveTag = 0; }

void QuantConv::ensure_scratchpad(const memory::desc& d) {
    if (d.get_size() <= scratchpadBytes_ && scratchpad_) return;
    scratchpad_ = allocate_floats(d.get_size() / sizeof(float) + 1);
    scratchpadBytes_ = d.get_size();
}

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
    maxAbsCode_ = 0;
    for (int8_t v : codes) maxAbsCode_ = std::max<int64_t>(maxAbsCode_, std::abs(int(v)));
    primitiveCodes_ = std::move(codes);
    fewOut_ = FewOutConv::applies(s_) ? std::make_unique<FewOutConv>(s_, primitiveCodes_.data()) : nullptr;
    tapPrefix_ = std::move(prefix);
    reordered_.clear();
    bw_ = bw;
    sw_ = weight_step(uw, levels);
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
    st->dst = memory::desc({n, s_.outC, st->ho, st->wo}, dt::s32, tag::nhwc);
    auto pd = make_pd(st->src, st->dst, s_.padT, s_.padL, s_.padB, s_.padR, exact_attr(), false);
    st->primitive = dnnl::convolution_forward(pd);
    st->weights = pd.weights_desc();
    st->scratch = pd.scratchpad_desc();
    st->implementation = pd.impl_info_str();
    shapes_.push_front(std::move(st));
    return *shapes_.front();
}

void QuantConv::build_direct(ShapeState& st, float floor) {
    const int64_t n = st.n, h = st.h, w = st.w, ho = st.ho, wo = st.wo;
    st.directDst = memory::desc({n, s_.outC, ho, wo}, dt::u8, tag::nhwc);
    auto pd = make_pd(st.src, st.directDst, s_.padT, s_.padL, s_.padB, s_.padR, direct_attr(floor), true);
    st.direct = dnnl::convolution_forward(pd);
    st.directWeights = pd.weights_desc();
    st.directScratch = pd.scratchpad_desc();
    st.directImplementation = pd.impl_info_str();
    st.directFloor = floor;
    if (st.directBuilt) return;  // a new floor: the border strips stay as they are
    // top and bottom strips span the full width; left and right ones only the rows between them
    const int64_t kh1 = s_.kh - 1, kw1 = s_.kw - 1;
    struct Spec { int64_t row0, rows, col0, cols, padT, padL, padB, padR, y0, y1, x0, x1; };
    std::vector<Spec> specs;
    if (s_.padT) specs.push_back({0, kh1, 0, w, s_.padT, s_.padL, 0, s_.padR, 0, s_.padT, 0, wo});
    if (s_.padB) specs.push_back({h - kh1, kh1, 0, w, 0, s_.padL, s_.padB, s_.padR, ho - s_.padB, ho, 0, wo});
    if (s_.padL) specs.push_back({0, h, 0, kw1, 0, s_.padL, 0, 0, s_.padT, ho - s_.padB, 0, s_.padL});
    if (s_.padR) specs.push_back({0, h, w - kw1, kw1, 0, 0, 0, s_.padR, s_.padT, ho - s_.padB, wo - s_.padR, wo});
    for (const Spec& sp : specs) {
        Strip strip;
        strip.row0 = sp.row0; strip.rows = sp.rows; strip.col0 = sp.col0; strip.cols = sp.cols;
        strip.y0 = sp.y0; strip.y1 = sp.y1; strip.x0 = sp.x0; strip.x1 = sp.x1;
        strip.src = memory::desc({n, s_.inC, sp.rows, sp.cols}, dt::u8, tag::nhwc);
        strip.dst = memory::desc({n, s_.outC, sp.y1 - sp.y0, sp.x1 - sp.x0}, dt::s32, tag::nhwc);
        auto spd = make_pd(strip.src, strip.dst, sp.padT, sp.padL, sp.padB, sp.padR, exact_attr(), false);
        strip.primitive = dnnl::convolution_forward(spd);
        strip.weights = spd.weights_desc();
        strip.scratch = spd.scratchpad_desc();
        strip.implementation = spd.impl_info_str();
        strip.in = allocate_floats(size_t(n * sp.rows * sp.cols * s_.inC) / sizeof(float) + 1);
        strip.acc = allocate_floats(size_t(n * (sp.y1 - sp.y0) * (sp.x1 - sp.x0) * s_.outC));  // as many s32
        st.strips.push_back(std::move(strip));
    }
    st.directBuilt = true;
}

void QuantConv::run(const uint8_t* codes, int64_t n, int64_t h, int64_t w, float l, float u, int bits, float* out,
                    uint8_t* codesOut, const Requantizer* next, bool allowDirect, const std::vector<ChainStage>& stages,
                    int32_t* accScratch) {
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
    // the step in float32 as Java's Quantizers computes it ((u - l)/n, rounded once): the fake-quant grid
    const float sa = (u - l) / float((int64_t(1) << bits) - 1);
    const bool split = needs_split(bits);
    if (allowDirect && stages.empty() && !split && !out && next && bw_ <= 7 && st.ho > s_.padT + s_.padB && st.wo > s_.padL + s_.padR) {
        run_direct(st, codes, l, sa, bits, codesOut, *next);
        return;
    }
    const size_t accCount = size_t(n * st.ho * st.wo * s_.outC);
    int32_t* acc = accScratch;
    if (!acc) {
        if (!st.acc) st.acc = allocate_floats(accCount);  // as many s32
        acc = reinterpret_cast<int32_t*>(st.acc.get());
    }
    if (split) {
        run_split(st, codes, acc);
    } else if (fewOut_) {
        fewOut_->run(codes, n, h, w, acc);
        lastImpl_ = FewOutConv::kName;
    } else {
        execute_exact(st, st.primitive, st.src, codes, st.weights, st.dst, acc, st.scratch);
        lastImpl_ = st.implementation;
    }
    QuantEpilogue e = epilogue(st, l, sa, codes, next, codesOut);
    e.acc = acc;
    if (split) e.accLow = reinterpret_cast<const int32_t*>(st.accLow.get());
    e.stages = &stages;
    e.out = out;
    apply_epilogue(e);
}

void QuantConv::run_split(ShapeState& st, const uint8_t* codes, int32_t* acc) {
    const size_t count = size_t(st.n * st.h * st.w * s_.inC);
    if (!st.splitBuilt) {
        st.high = allocate_floats(count / sizeof(float) + 1);
        st.low = allocate_floats(count / sizeof(float) + 1);
        st.accLow = allocate_floats(size_t(st.n * st.ho * st.wo * s_.outC));
        st.splitBuilt = true;
    }
    auto* high = reinterpret_cast<uint8_t*>(st.high.get());
    auto* low = reinterpret_cast<uint8_t*>(st.low.get());
#pragma omp parallel for schedule(static) if (count > (1 << 16))
    for (size_t i = 0; i < count; i++) {
        high[i] = uint8_t(codes[i] >> 1);
        low[i] = uint8_t(codes[i] & 1);
    }
    execute_exact(st, st.primitive, st.src, high, st.weights, st.dst, acc, st.scratch);
    execute_exact(st, st.primitive, st.src, low, st.weights, st.dst, reinterpret_cast<int32_t*>(st.accLow.get()), st.scratch);
    lastImpl_ = st.implementation + " (split in two: no VNNI)";
}

QuantEpilogue QuantConv::epilogue(ShapeState& st, float l, float sa, const uint8_t* codes, const Requantizer* next,
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

void QuantConv::execute_exact(ShapeState& st, dnnl::convolution_forward& primitive, const memory::desc& src, const void* in,
                              const memory::desc& weights, const memory::desc& dst, int32_t* acc, const memory::desc& scratch) {
    ensure_scratchpad(scratch);
    std::unordered_map<int, memory> args;
    args[DNNL_ARG_SRC] = memory(src, engine_, const_cast<void*>(in));
    args[DNNL_ARG_WEIGHTS] = weights_for(weights);
    args[DNNL_ARG_DST] = memory(dst, engine_, acc);
    args[DNNL_ARG_SCRATCHPAD] = memory(scratch, engine_, scratchpad_.get());
    primitive.execute(stream_, args);
    stream_.wait();
}

void QuantConv::run_direct(ShapeState& st, const uint8_t* codes, float l, float sa, int bits, uint8_t* codesOut,
                           const Requantizer& next) {
    const double range = double(next.u) - double(next.l);
    const float floor = next.relu ? float(std::max(0.0, -double(next.l) / range)) : 0.f;
    if (!st.directBuilt || st.directFloor != floor) build_direct(st, floor);
    // oneDNN convolves q - zp with zp the code nearest the real zero -l/s_a (a runtime src zero point; padding
    // contributes 0), so the accumulator holds sums of centred values and only the small offset l' = l + zp*s_a
    // goes through the bias: no large cancellation between the accumulator and a zero-point bias in float32.
    const int32_t levels = (1 << bits) - 1;
    int32_t zeroPoint = int32_t(std::min(std::max(std::nearbyint(-double(l) / double(sa)), 0.0), double(levels)));
    const double offset = double(l) + double(zeroPoint) * double(sa);
    const int64_t stride = s_.kw + 1, tapPlane = (s_.kh + 1) * stride;
    std::vector<float> normalised(size_t(s_.outC));
    for (int64_t o = 0; o < s_.outC; o++) {
        const double interior = double(bias_[size_t(o)]) + sw_ * offset * double(tapPrefix_[size_t(o * tapPlane + s_.kh * stride + s_.kw)]);
        normalised[size_t(o)] = float((interior - double(next.l)) / range);
    }
    const float dstScale = float(1.0 / double((int64_t(1) << next.bits) - 1));  // u8 = clipped value / dstScale
    const float srcScale = sa, weiScale = float(sw_ / range);
    ensure_scratchpad(st.directScratch);
    memory::desc scalar({1}, dt::f32, tag::x);
    std::unordered_map<int, memory> args;
    args[DNNL_ARG_SRC] = memory(st.src, engine_, const_cast<uint8_t*>(codes));
    args[DNNL_ARG_WEIGHTS] = weights_for(st.directWeights);
    args[DNNL_ARG_BIAS] = memory(memory::desc({s_.outC}, dt::f32, tag::x), engine_, normalised.data());
    args[DNNL_ARG_DST] = memory(st.directDst, engine_, codesOut);
    args[DNNL_ARG_ATTR_SCALES | DNNL_ARG_SRC] = memory(scalar, engine_, const_cast<float*>(&srcScale));
    args[DNNL_ARG_ATTR_SCALES | DNNL_ARG_WEIGHTS] = memory(scalar, engine_, const_cast<float*>(&weiScale));
    args[DNNL_ARG_ATTR_SCALES | DNNL_ARG_DST] = memory(scalar, engine_, const_cast<float*>(&dstScale));
    args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC] = memory(memory::desc({1}, dt::s32, tag::x), engine_, &zeroPoint);
    args[DNNL_ARG_SCRATCHPAD] = memory(st.directScratch, engine_, scratchpad_.get());
    st.direct.execute(stream_, args);
    stream_.wait();
    lastImpl_ = st.directImplementation;
    // the border ring: exact strips, finished and requantized by the same epilogue as the exact path
    const int64_t c = s_.inC;
    for (Strip& strip : st.strips) {
        auto* in = reinterpret_cast<uint8_t*>(strip.in.get());
        for (int64_t ni = 0; ni < st.n; ni++)
            for (int64_t r = 0; r < strip.rows; r++)
                std::memcpy(in + (ni * strip.rows + r) * strip.cols * c,
                            codes + ((ni * st.h + strip.row0 + r) * st.w + strip.col0) * c, size_t(strip.cols * c));
        auto* acc = reinterpret_cast<int32_t*>(strip.acc.get());
        execute_exact(st, strip.primitive, strip.src, in, strip.weights, strip.dst, acc, strip.scratch);
        QuantEpilogue e = epilogue(st, l, sa, codes, &next, codesOut);
        e.acc = acc;
        e.y0 = strip.y0; e.y1 = strip.y1; e.x0 = strip.x0; e.x1 = strip.x1;
        apply_epilogue(e);
        lastImpl_ += "\n" + strip.implementation;
    }
}

}  // namespace adabm
