// QuantConv (int8_conv.h) on oneDNN, x86-64: the exact u8 x s8 -> s32 primitive, the direct u8 path with its border
// strips, the pre-VNNI split, and few_out_conv.h for the tail convs.
#include "int8_conv.h"
#include "few_out_conv.h"
#include "onednn_engine.h"
#include "errors.h"
#include "shape_lru.h"
#include "int8_epilogue.h"
#include "threads.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <list>
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

struct QuantConv::ShapeState : ShapeCommon {
    dnnl::convolution_forward primitive;      // u8 x s8 -> s32 (+ epilogue): exact, any bw
    memory::desc src, dst, weights, scratch;
    AlignedBuffer accLow;                     // the pre-VNNI split's low half of the s32 accumulators
    std::string implementation;

    // direct path (codes only, bw <= 7, the output has an interior): u8 x s8 -> u8 codes for the whole output
    // (right in the interior) and exact strips for the border ring; built on first use
    bool directBuilt = false;
    float directFloor = 0.f;                  // the clip's lower end the direct primitive was built with
    dnnl::convolution_forward direct;
    memory::desc directDst, directWeights, directScratch;
    std::vector<Strip> strips;
    std::string directImplementation;

    // pre-VNNI split (see needs_split): q = 2*(q >> 1) + (q & 1); the exact primitive runs on each half (into acc
    // and accLow) and the epilogue adds 2*acc + accLow
    bool splitBuilt = false;
    AlignedBuffer high, low;                  // the two halves of the input codes
};

struct QuantConv::Engine {
    QuantConv& c;
    dnnl::stream stream{cpu_engine()};
    std::vector<std::pair<memory::desc, memory>> reordered;  // the weight codes per oneDNN weight layout
    std::unique_ptr<FewOutConv> fewOut;                      // set where few_out_conv.h applies: runs instead of oneDNN
    std::list<std::unique_ptr<ShapeState>> shapes;           // most recently used first
    AlignedBuffer scratchpad;                                // oneDNN's, for whichever primitive and shape runs (grow-only)
    size_t scratchpadBytes = 0;

    explicit Engine(QuantConv& conv) : c(conv) {}
    void ensure_scratchpad(const memory::desc& d);
    memory weights_for(const memory::desc& want);
    dnnl::convolution_forward::primitive_desc make_pd(const memory::desc& src, const memory::desc& dst, int64_t padT,
                                                      int64_t padL, int64_t padB, int64_t padR,
                                                      const dnnl::primitive_attr& attr, bool withBias) const;
    // the s32 accumulators of one primitive (no scales, no bias, no zero point)
    void execute_exact(dnnl::convolution_forward& primitive, const memory::desc& src, const void* in,
                       const memory::desc& weights, const memory::desc& dst, int32_t* acc, const memory::desc& scratch);
    bool needs_split(int bits) const;
    void build_direct(ShapeState& st, float floor);
    void run_split(ShapeState& st, const uint8_t* codes, int32_t* acc);
    void run_direct(ShapeState& st, const uint8_t* codes, float l, float sa, int bits, uint8_t* codesOut, const Requantizer& next);
};

void QuantConv::EngineDeleter::operator()(Engine* e) const { delete e; }

namespace {

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

bool QuantConv::Engine::needs_split(int bits) const {
    return 2 * ((int64_t(1) << bits) - 1) * c.maxAbsCode_ > 32767 && !has_vnni();
}

dnnl::convolution_forward::primitive_desc QuantConv::Engine::make_pd(const memory::desc& src, const memory::desc& dst,
                                                             int64_t padT, int64_t padL, int64_t padB, int64_t padR,
                                                             const dnnl::primitive_attr& attr, bool withBias) const {
    return dnnl::convolution_forward::primitive_desc(cpu_engine(), dnnl::prop_kind::forward_inference,
        dnnl::algorithm::convolution_direct, src, weight_desc(c.s_, dt::s8, tag::any),
        withBias ? memory::desc({c.s_.outC}, dt::f32, tag::x) : memory::desc(), dst, {1, 1}, {padT, padL}, {padB, padR}, attr);
}

void QuantConv::weights_changed() {
    if (!engine_) engine_.reset(new Engine(*this));
    engine_->reordered.clear();
    engine_->fewOut = FewOutConv::applies(s_) ? std::make_unique<FewOutConv>(s_, primitiveCodes_.data()) : nullptr;
}

void QuantConv::Engine::ensure_scratchpad(const memory::desc& d) {
    if (d.get_size() <= scratchpadBytes && scratchpad) return;
    scratchpad = allocate_floats(d.get_size() / sizeof(float) + 1);
    scratchpadBytes = d.get_size();
}

memory QuantConv::Engine::weights_for(const memory::desc& want) {
    for (auto& [desc, mem] : reordered)
        if (desc == want) return mem;
    memory user(weight_desc(c.s_, dt::s8, tag::oihw), cpu_engine(), c.primitiveCodes_.data());
    memory dst(want, cpu_engine());
    dnnl::reorder(user, dst).execute(stream, user, dst);
    stream.wait();
    reordered.emplace_back(want, dst);
    return dst;
}

QuantConv::ShapeState& QuantConv::state_for(int64_t n, int64_t h, int64_t w) {
    auto& shapes = engine_->shapes;
    if (ShapeState* hit = find_shape(shapes, n, h, w, kMaxCachedShapes)) return *hit;
    auto st = std::make_unique<ShapeState>();
    init_shape(*st, n, h, w);
    st->src = memory::desc({n, s_.inC, h, w}, dt::u8, tag::nhwc);
    st->dst = memory::desc({n, s_.outC, st->ho, st->wo}, dt::s32, tag::nhwc);
    auto pd = engine_->make_pd(st->src, st->dst, s_.padT, s_.padL, s_.padB, s_.padR, exact_attr(), false);
    st->primitive = dnnl::convolution_forward(pd);
    st->weights = pd.weights_desc();
    st->scratch = pd.scratchpad_desc();
    st->implementation = pd.impl_info_str();
    shapes.push_front(std::move(st));
    return *shapes.front();
}

void QuantConv::Engine::build_direct(ShapeState& st, float floor) {
    const int64_t n = st.n, h = st.h, w = st.w, ho = st.ho, wo = st.wo;
    st.directDst = memory::desc({n, c.s_.outC, ho, wo}, dt::u8, tag::nhwc);
    auto pd = make_pd(st.src, st.directDst, c.s_.padT, c.s_.padL, c.s_.padB, c.s_.padR, direct_attr(floor), true);
    st.direct = dnnl::convolution_forward(pd);
    st.directWeights = pd.weights_desc();
    st.directScratch = pd.scratchpad_desc();
    st.directImplementation = pd.impl_info_str();
    st.directFloor = floor;
    if (st.directBuilt) return;  // a new floor: the border strips stay as they are
    // top and bottom strips span the full width; left and right ones only the rows between them
    const int64_t kh1 = c.s_.kh - 1, kw1 = c.s_.kw - 1;
    struct Spec { int64_t row0, rows, col0, cols, padT, padL, padB, padR, y0, y1, x0, x1; };
    std::vector<Spec> specs;
    if (c.s_.padT) specs.push_back({0, kh1, 0, w, c.s_.padT, c.s_.padL, 0, c.s_.padR, 0, c.s_.padT, 0, wo});
    if (c.s_.padB) specs.push_back({h - kh1, kh1, 0, w, 0, c.s_.padL, c.s_.padB, c.s_.padR, ho - c.s_.padB, ho, 0, wo});
    if (c.s_.padL) specs.push_back({0, h, 0, kw1, 0, c.s_.padL, 0, 0, c.s_.padT, ho - c.s_.padB, 0, c.s_.padL});
    if (c.s_.padR) specs.push_back({0, h, w - kw1, kw1, 0, 0, 0, c.s_.padR, c.s_.padT, ho - c.s_.padB, wo - c.s_.padR, wo});
    for (const Spec& sp : specs) {
        Strip strip;
        strip.row0 = sp.row0; strip.rows = sp.rows; strip.col0 = sp.col0; strip.cols = sp.cols;
        strip.y0 = sp.y0; strip.y1 = sp.y1; strip.x0 = sp.x0; strip.x1 = sp.x1;
        strip.src = memory::desc({n, c.s_.inC, sp.rows, sp.cols}, dt::u8, tag::nhwc);
        strip.dst = memory::desc({n, c.s_.outC, sp.y1 - sp.y0, sp.x1 - sp.x0}, dt::s32, tag::nhwc);
        auto spd = make_pd(strip.src, strip.dst, sp.padT, sp.padL, sp.padB, sp.padR, exact_attr(), false);
        strip.primitive = dnnl::convolution_forward(spd);
        strip.weights = spd.weights_desc();
        strip.scratch = spd.scratchpad_desc();
        strip.implementation = spd.impl_info_str();
        strip.in = allocate_floats(size_t(n * sp.rows * sp.cols * c.s_.inC) / sizeof(float) + 1);
        strip.acc = allocate_floats(size_t(n * (sp.y1 - sp.y0) * (sp.x1 - sp.x0) * c.s_.outC));  // as many s32
        st.strips.push_back(std::move(strip));
    }
    st.directBuilt = true;
}

void QuantConv::run(const uint8_t* codes, int64_t n, int64_t h, int64_t w, float l, float u, int bits, float* out,
                    uint8_t* codesOut, const Requantizer* next, bool allowDirect, const std::vector<ChainStage>& stages,
                    int32_t* accScratch) {
    check_run(codes, n, l, u, bits, out, codesOut, next);
    ThreadScope threads(threads_);
    Engine& eng = *engine_;
    ShapeState& st = state_for(n, h, w);
    const float sa = activation_step(l, u, bits);
    const bool split = eng.needs_split(bits);
    if (allowDirect && stages.empty() && !split && !out && next && bw_ <= 7 && st.ho > s_.padT + s_.padB && st.wo > s_.padL + s_.padR) {
        eng.run_direct(st, codes, l, sa, bits, codesOut, *next);
        return;
    }
    int32_t* acc = accumulators(st, accScratch);
    if (split) {
        eng.run_split(st, codes, acc);
    } else if (eng.fewOut) {
        eng.fewOut->run(codes, n, h, w, acc);
        lastImpl_ = FewOutConv::kName;
    } else {
        eng.execute_exact(st.primitive, st.src, codes, st.weights, st.dst, acc, st.scratch);
        lastImpl_ = st.implementation;
    }
    QuantEpilogue e = epilogue(st, l, sa, codes, next, codesOut);
    e.acc = acc;
    if (split) e.accLow = reinterpret_cast<const int32_t*>(st.accLow.get());
    e.stages = &stages;
    e.out = out;
    apply_epilogue(e);
}

void QuantConv::Engine::run_split(ShapeState& st, const uint8_t* codes, int32_t* acc) {
    const size_t count = size_t(st.n * st.h * st.w * c.s_.inC);
    if (!st.splitBuilt) {
        st.high = allocate_floats(count / sizeof(float) + 1);
        st.low = allocate_floats(count / sizeof(float) + 1);
        st.accLow = allocate_floats(size_t(st.n * st.ho * st.wo * c.s_.outC));
        st.splitBuilt = true;
    }
    auto* high = reinterpret_cast<uint8_t*>(st.high.get());
    auto* low = reinterpret_cast<uint8_t*>(st.low.get());
#pragma omp parallel for schedule(static) if (count > (1 << 16))
    for (size_t i = 0; i < count; i++) {
        high[i] = uint8_t(codes[i] >> 1);
        low[i] = uint8_t(codes[i] & 1);
    }
    execute_exact(st.primitive, st.src, high, st.weights, st.dst, acc, st.scratch);
    execute_exact(st.primitive, st.src, low, st.weights, st.dst, reinterpret_cast<int32_t*>(st.accLow.get()), st.scratch);
    c.lastImpl_ = st.implementation + " (split in two: no VNNI)";
}

void QuantConv::Engine::execute_exact(dnnl::convolution_forward& primitive, const memory::desc& src, const void* in,
                              const memory::desc& weights, const memory::desc& dst, int32_t* acc, const memory::desc& scratch) {
    ensure_scratchpad(scratch);
    std::unordered_map<int, memory> args;
    args[DNNL_ARG_SRC] = memory(src, cpu_engine(), const_cast<void*>(in));
    args[DNNL_ARG_WEIGHTS] = weights_for(weights);
    args[DNNL_ARG_DST] = memory(dst, cpu_engine(), acc);
    args[DNNL_ARG_SCRATCHPAD] = memory(scratch, cpu_engine(), scratchpad.get());
    primitive.execute(stream, args);
    stream.wait();
}

void QuantConv::Engine::run_direct(ShapeState& st, const uint8_t* codes, float l, float sa, int bits, uint8_t* codesOut,
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
    const int64_t stride = c.s_.kw + 1, tapPlane = (c.s_.kh + 1) * stride;
    std::vector<float> normalised(size_t(c.s_.outC));
    for (int64_t o = 0; o < c.s_.outC; o++) {
        const double interior = double(c.bias_[size_t(o)]) + c.sw_ * offset * double(c.tapPrefix_[size_t(o * tapPlane + c.s_.kh * stride + c.s_.kw)]);
        normalised[size_t(o)] = float((interior - double(next.l)) / range);
    }
    const float dstScale = float(1.0 / double((int64_t(1) << next.bits) - 1));  // u8 = clipped value / dstScale
    const float srcScale = sa, weiScale = float(c.sw_ / range);
    ensure_scratchpad(st.directScratch);
    memory::desc scalar({1}, dt::f32, tag::x);
    std::unordered_map<int, memory> args;
    args[DNNL_ARG_SRC] = memory(st.src, cpu_engine(), const_cast<uint8_t*>(codes));
    args[DNNL_ARG_WEIGHTS] = weights_for(st.directWeights);
    args[DNNL_ARG_BIAS] = memory(memory::desc({c.s_.outC}, dt::f32, tag::x), cpu_engine(), normalised.data());
    args[DNNL_ARG_DST] = memory(st.directDst, cpu_engine(), codesOut);
    args[DNNL_ARG_ATTR_SCALES | DNNL_ARG_SRC] = memory(scalar, cpu_engine(), const_cast<float*>(&srcScale));
    args[DNNL_ARG_ATTR_SCALES | DNNL_ARG_WEIGHTS] = memory(scalar, cpu_engine(), const_cast<float*>(&weiScale));
    args[DNNL_ARG_ATTR_SCALES | DNNL_ARG_DST] = memory(scalar, cpu_engine(), const_cast<float*>(&dstScale));
    args[DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC] = memory(memory::desc({1}, dt::s32, tag::x), cpu_engine(), &zeroPoint);
    args[DNNL_ARG_SCRATCHPAD] = memory(st.directScratch, cpu_engine(), scratchpad.get());
    st.direct.execute(stream, args);
    stream.wait();
    c.lastImpl_ = st.directImplementation;
    // the border ring: exact strips, finished and requantized by the same epilogue as the exact path
    const int64_t inC = c.s_.inC;
    for (Strip& strip : st.strips) {
        auto* in = reinterpret_cast<uint8_t*>(strip.in.get());
        for (int64_t ni = 0; ni < st.n; ni++)
            for (int64_t r = 0; r < strip.rows; r++)
                std::memcpy(in + (ni * strip.rows + r) * strip.cols * inC,
                            codes + ((ni * st.h + strip.row0 + r) * st.w + strip.col0) * inC, size_t(strip.cols * inC));
        auto* acc = reinterpret_cast<int32_t*>(strip.acc.get());
        execute_exact(strip.primitive, strip.src, in, strip.weights, strip.dst, acc, strip.scratch);
        QuantEpilogue e = c.epilogue(st, l, sa, codes, &next, codesOut);
        e.acc = acc;
        e.y0 = strip.y0; e.y1 = strip.y1; e.x0 = strip.x0; e.x1 = strip.x1;
        apply_epilogue(e);
        c.lastImpl_ += "\n" + strip.implementation;
    }
}

}  // namespace adabm
