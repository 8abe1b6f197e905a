#include "float_conv.h"
#include "errors.h"
#include "threads.h"
#include <algorithm>
#include <string>
#include <utility>

namespace adabm {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

FloatWorkspace::FloatWorkspace(int threads_) : engine(dnnl::engine::kind::cpu, 0), stream(engine), threads(threads_) {}

void* FloatWorkspace::slot(Slot s, size_t bytes) {
    if (!buffers_[s] || sizes_[s] < bytes) {
        buffers_[s].reset();   // free first: the old contents are not needed
        // a little headroom so a slightly larger shape does not reallocate again
        size_t grown = std::max(bytes, sizes_[s] + sizes_[s] / 4);
        buffers_[s] = allocate_floats(grown / sizeof(float) + 1);
        sizes_[s] = grown;
    }
    return buffers_[s].get();
}

size_t FloatWorkspace::bytes_held() const {
    size_t total = 0;
    for (size_t v : sizes_) total += v;
    return total;
}

// Per input shape: the three primitives (the backward ones built on first use, with the forward as hint) and
// the reorders between the caller's NCHW/OIHW tensors and oneDNN's layouts.
struct FloatConv::ShapeState {
    int64_t n = 0, h = 0, w = 0, ho = 0, wo = 0;
    bool channelsLast = false;
    memory::desc srcUser, dstUser, weiUser;
    memory::desc fwdSrc, fwdDst;     // the activation layouts forward and backward-data run on
    dnnl::convolution_forward::primitive_desc fwdPd;
    dnnl::convolution_forward::primitive_desc blockedHint;   // backward-weights' hint: oneDNN's own layouts
    dnnl::convolution_forward fwd;
    std::string fwdImpl;

    bool dataBuilt = false;
    dnnl::convolution_backward_data data;
    memory::desc dataDiffDst, dataWei, dataDiffSrc, dataScratch;
    std::string dataImpl;

    bool weightsBuilt = false;
    dnnl::convolution_backward_weights weights;
    memory::desc weightsSrc, weightsDiffDst, weightsDiffWei, weightsScratch;
    std::string weightsImpl;

    std::vector<std::pair<std::pair<memory::desc, memory::desc>, dnnl::reorder>> reorders;

    dnnl::reorder& reorder(const dnnl::engine& engine, const memory::desc& from, const memory::desc& to) {
        for (auto& [key, r] : reorders)
            if (key.first == from && key.second == to) return r;
        reorders.emplace_back(std::make_pair(from, to), dnnl::reorder(dnnl::reorder::primitive_desc(engine, from, engine, to)));
        return reorders.back().second;
    }
};

namespace {
std::string str(int64_t v) { return std::to_string(v); }
}  // namespace

FloatConv::FloatConv(FloatWorkspace& ws, const FloatConvShape& shape) : ws_(ws), s_(shape) {
    const FloatConvShape& s = s_;
    if (s.inC <= 0 || s.outC <= 0 || s.kh <= 0 || s.kw <= 0 || s.groups <= 0)
        throw ArgumentError("fconv: channels, kernel size and groups must be positive");
    if (s.inC > 65536 || s.outC > 65536 || s.kh > 64 || s.kw > 64)
        throw ArgumentError("fconv: channels (<= 65536) or kernel size (<= 64) out of range");
    if (s.padT < 0 || s.padL < 0 || s.padB < 0 || s.padR < 0 || s.padT > 64 || s.padL > 64 || s.padB > 64 || s.padR > 64)
        throw ArgumentError("fconv: each padding must be in [0, 64]");
    if (s.inC % s.groups || s.outC % s.groups)
        throw ArgumentError("fconv: " + str(s.groups) + " groups do not divide " + str(s.inC) + " -> " + str(s.outC) + " channels");
    ws_.liveConvs++;
}

FloatConv::~FloatConv() {
    liveTag = 0;
    ws_.liveConvs--;
}

void FloatConv::output_size(int64_t h, int64_t w, int64_t* ho, int64_t* wo) const {
    if (h <= 0 || w <= 0 || h > (int64_t(1) << 20) || w > (int64_t(1) << 20))
        throw ShapeError("fconv: input " + str(h) + "x" + str(w) + " is out of range");
    *ho = h + s_.padT + s_.padB - s_.kh + 1;
    *wo = w + s_.padL + s_.padR - s_.kw + 1;
    if (*ho <= 0 || *wo <= 0)
        throw ShapeError("fconv: input " + str(h) + "x" + str(w) + " is smaller than the " + str(s_.kh) + "x" + str(s_.kw) +
                         " kernel with its padding");
}

memory::desc FloatConv::weight_desc(tag layout) const {
    if (s_.groups == 1) return memory::desc({s_.outC, s_.inC, s_.kh, s_.kw}, dt::f32, layout);
    return memory::desc({s_.groups, s_.outC / s_.groups, s_.inC / s_.groups, s_.kh, s_.kw}, dt::f32,
                        layout == tag::any ? tag::any : tag::goihw);
}

namespace {
bool reference_kernel(const std::string& impl) { return impl.find("ref") != std::string::npos; }
}  // namespace

FloatConv::ShapeState& FloatConv::state_for(int64_t n, int64_t h, int64_t w, bool channelsLast) {
    for (auto it = shapes_.begin(); it != shapes_.end(); ++it)
        if ((*it)->n == n && (*it)->h == h && (*it)->w == w && (*it)->channelsLast == channelsLast) {
            shapes_.splice(shapes_.begin(), shapes_, it);
            return *shapes_.front();
        }
    if (n <= 0 || n > 65536) throw ShapeError("fconv: batch size " + str(n) + " is out of range");
    auto st = std::make_unique<ShapeState>();
    st->n = n; st->h = h; st->w = w; st->channelsLast = channelsLast;
    output_size(h, w, &st->ho, &st->wo);
    if (n * std::max(h * w * s_.inC, st->ho * st->wo * s_.outC) > (int64_t(1) << 32))
        throw ShapeError("fconv: " + str(n) + " x " + str(h) + "x" + str(w) + " is too large");
    tag act = channelsLast ? tag::nhwc : tag::nchw;
    st->srcUser = memory::desc({n, s_.inC, h, w}, dt::f32, act);
    st->dstUser = memory::desc({n, s_.outC, st->ho, st->wo}, dt::f32, act);
    st->weiUser = weight_desc(s_.groups == 1 ? tag::oihw : tag::goihw);
    memory::desc anySrc({n, s_.inC, h, w}, dt::f32, tag::any), anyDst({n, s_.outC, st->ho, st->wo}, dt::f32, tag::any);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    // forward_training: the same kernels as inference here, and the hint the backward passes need
    auto forward_pd = [&](const memory::desc& src, const memory::desc& dst) {
        return dnnl::convolution_forward::primitive_desc(ws_.engine, dnnl::prop_kind::forward_training,
            dnnl::algorithm::convolution_direct, src, weight_desc(tag::any), memory::desc({s_.outC}, dt::f32, tag::x),
            dst, {1, 1}, {s_.padT, s_.padL}, {s_.padB, s_.padR}, attr);
    };
    st->blockedHint = forward_pd(anySrc, anyDst);
    st->fwdPd = st->blockedHint;
    if (channelsLast) {   // on the caller's NHWC memory, unless oneDNN has only a reference kernel for it
        auto direct = forward_pd(st->srcUser, st->dstUser);
        if (!reference_kernel(direct.impl_info_str())) st->fwdPd = direct;
    }
    st->fwdSrc = st->fwdPd.src_desc();
    st->fwdDst = st->fwdPd.dst_desc();
    st->fwd = dnnl::convolution_forward(st->fwdPd);
    st->fwdImpl = st->fwdPd.impl_info_str();
    if (shapes_.size() >= kMaxCachedShapes) shapes_.pop_back();
    shapes_.push_front(std::move(st));
    return *shapes_.front();
}

memory FloatConv::staged_in(ShapeState& st, const memory::desc& user, const memory::desc& inner, const void* data,
                            FloatWorkspace::Slot slot) {
    memory u(user, ws_.engine, const_cast<void*>(data));
    if (user == inner) return u;
    memory m(inner, ws_.engine, ws_.slot(slot, inner.get_size()));
    st.reorder(ws_.engine, user, inner).execute(ws_.stream, u, m);
    return m;
}

void FloatConv::execute(ShapeState&, dnnl::primitive& p, const memory::desc& scratch,
                        std::unordered_map<int, memory>& args) {
    args[DNNL_ARG_SCRATCHPAD] = memory(scratch, ws_.engine, ws_.slot(FloatWorkspace::kScratchpad, scratch.get_size()));
    p.execute(ws_.stream, args);
}

void FloatConv::finish_out(ShapeState& st, const memory& inner, const memory::desc& user, void* data) {
    if (inner.get_desc() != user) {
        memory u(user, ws_.engine, data);
        st.reorder(ws_.engine, inner.get_desc(), user).execute(ws_.stream, const_cast<memory&>(inner), u);
    }
    ws_.stream.wait();
}

namespace {
// the caller's pointer when oneDNN works on the caller's layout, else the workspace's output slot
memory out_memory(FloatWorkspace& ws, const memory::desc& user, const memory::desc& inner, void* data) {
    if (user == inner) return memory(user, ws.engine, data);
    return memory(inner, ws.engine, ws.slot(FloatWorkspace::kOutput, inner.get_size()));
}
}  // namespace

void FloatConv::forward(int64_t n, int64_t h, int64_t w, bool channelsLast, const float* src, const float* weight,
                        const float* bias, float* dst) {
    if (!src || !weight || !bias || !dst) throw ArgumentError("fconv forward: a tensor pointer is null");
    ThreadScope threads(ws_.threads);
    ShapeState& st = state_for(n, h, w, channelsLast);
    std::unordered_map<int, memory> args;
    args[DNNL_ARG_SRC] = staged_in(st, st.srcUser, st.fwdSrc, src, FloatWorkspace::kInput);
    args[DNNL_ARG_WEIGHTS] = staged_in(st, st.weiUser, st.fwdPd.weights_desc(), weight, FloatWorkspace::kWeight);
    args[DNNL_ARG_BIAS] = memory(memory::desc({s_.outC}, dt::f32, tag::x), ws_.engine, const_cast<float*>(bias));
    memory out = out_memory(ws_, st.dstUser, st.fwdDst, dst);
    args[DNNL_ARG_DST] = out;
    execute(st, st.fwd, st.fwdPd.scratchpad_desc(), args);
    finish_out(st, out, st.dstUser, dst);
    fwdImpl_ = st.fwdImpl;
}

void FloatConv::backward_data(int64_t n, int64_t h, int64_t w, bool channelsLast, const float* diffDst, const float* weight,
                              float* diffSrc) {
    if (!diffDst || !weight || !diffSrc) throw ArgumentError("fconv backward data: a tensor pointer is null");
    ThreadScope threads(ws_.threads);
    ShapeState& st = state_for(n, h, w, channelsLast);
    if (!st.dataBuilt) {
        dnnl::primitive_attr attr;
        attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        // the forward's activation layouts: the caller's NHWC when the forward runs on it, else oneDNN's choice
        bool direct = st.fwdSrc == st.srcUser;
        memory::desc src = direct ? st.srcUser : memory::desc({n, s_.inC, h, w}, dt::f32, tag::any);
        memory::desc dst = direct ? st.dstUser : memory::desc({n, s_.outC, st.ho, st.wo}, dt::f32, tag::any);
        dnnl::convolution_backward_data::primitive_desc pd(ws_.engine, dnnl::algorithm::convolution_direct, src,
            weight_desc(tag::any), dst, {1, 1}, {s_.padT, s_.padL}, {s_.padB, s_.padR}, st.fwdPd, attr);
        st.data = dnnl::convolution_backward_data(pd);
        st.dataDiffDst = pd.diff_dst_desc();
        st.dataWei = pd.weights_desc();
        st.dataDiffSrc = pd.diff_src_desc();
        st.dataScratch = pd.scratchpad_desc();
        st.dataImpl = pd.impl_info_str();
        st.dataBuilt = true;
    }
    std::unordered_map<int, memory> args;
    args[DNNL_ARG_DIFF_DST] = staged_in(st, st.dstUser, st.dataDiffDst, diffDst, FloatWorkspace::kInput);
    args[DNNL_ARG_WEIGHTS] = staged_in(st, st.weiUser, st.dataWei, weight, FloatWorkspace::kWeight);
    memory out = out_memory(ws_, st.srcUser, st.dataDiffSrc, diffSrc);
    args[DNNL_ARG_DIFF_SRC] = out;
    execute(st, st.data, st.dataScratch, args);
    finish_out(st, out, st.srcUser, diffSrc);
    dataImpl_ = st.dataImpl;
}

void FloatConv::backward_weights(int64_t n, int64_t h, int64_t w, bool channelsLast, const float* src, const float* diffDst,
                                 float* diffWeight) {
    if (!src || !diffDst || !diffWeight) throw ArgumentError("fconv backward weights: a tensor pointer is null");
    ThreadScope threads(ws_.threads);
    ShapeState& st = state_for(n, h, w, channelsLast);
    if (!st.weightsBuilt) {
        dnnl::primitive_attr attr;
        attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        // oneDNN's blocked layouts: its channels-last backward-weights kernel is slower than a blocked one plus reorders
        memory::desc anySrc({n, s_.inC, h, w}, dt::f32, tag::any), anyDst({n, s_.outC, st.ho, st.wo}, dt::f32, tag::any);
        dnnl::convolution_backward_weights::primitive_desc pd(ws_.engine, dnnl::algorithm::convolution_direct, anySrc,
            weight_desc(tag::any), anyDst, {1, 1}, {s_.padT, s_.padL}, {s_.padB, s_.padR}, st.blockedHint, attr);
        st.weights = dnnl::convolution_backward_weights(pd);
        st.weightsSrc = pd.src_desc();
        st.weightsDiffDst = pd.diff_dst_desc();
        st.weightsDiffWei = pd.diff_weights_desc();
        st.weightsScratch = pd.scratchpad_desc();
        st.weightsImpl = pd.impl_info_str();
        st.weightsBuilt = true;
    }
    std::unordered_map<int, memory> args;
    args[DNNL_ARG_SRC] = staged_in(st, st.srcUser, st.weightsSrc, src, FloatWorkspace::kInput);
    args[DNNL_ARG_DIFF_DST] = staged_in(st, st.dstUser, st.weightsDiffDst, diffDst, FloatWorkspace::kSecondInput);
    memory out = st.weiUser == st.weightsDiffWei
        ? memory(st.weiUser, ws_.engine, diffWeight)
        : memory(st.weightsDiffWei, ws_.engine, ws_.slot(FloatWorkspace::kWeight, st.weightsDiffWei.get_size()));
    args[DNNL_ARG_DIFF_WEIGHTS] = out;
    execute(st, st.weights, st.weightsScratch, args);
    finish_out(st, out, st.weiUser, diffWeight);
    weightsImpl_ = st.weightsImpl;
}

std::string FloatConv::implementation() const {
    return "fwd: " + fwdImpl_ + "\nbwd_data: " + dataImpl_ + "\nbwd_weights: " + weightsImpl_;
}

}  // namespace adabm
